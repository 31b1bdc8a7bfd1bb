import { loadConfig } from './app-config';

describe('IDS_IMPORT_BODY_LIMIT_BYTES', () => {
  it('defaults to 16 MiB, beside the server-wide IDS_BODY_LIMIT_BYTES', () => {
    const config = loadConfig({});
    expect(config.importBodyLimitBytes).toBe(16 * 1024 * 1024);
    expect(config.bodyLimitBytes).toBe(256 * 1024);
    expect(loadConfig({ IDS_IMPORT_BODY_LIMIT_BYTES: '1048576' }).importBodyLimitBytes).toBe(
      1048576,
    );
  });

  it('is refused outside 1 KiB - 64 MiB, naming the variable', () => {
    for (const value of ['1', String(65 * 1024 * 1024), 'lots'])
      expect(() => loadConfig({ IDS_IMPORT_BODY_LIMIT_BYTES: value })).toThrow(
        /IDS_IMPORT_BODY_LIMIT_BYTES/,
      );
  });
});
