import { isLoopback, loadConfig } from './app-config';

describe('the demo and the listen address', () => {
  it('is on by default in development only while listening on loopback', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost', '[::1]', '127.0.0.2']) {
      expect({ host, demo: loadConfig({ HOST: host }).demoEnabled }).toEqual({ host, demo: true });
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'id.example.com']) {
      expect({ host, demo: loadConfig({ HOST: host }).demoEnabled }).toEqual({ host, demo: false });
    }
  });

  it('starts beyond loopback only when IDS_DEMO_ENABLED=true is set explicitly', () => {
    expect(loadConfig({ HOST: '0.0.0.0', IDS_DEMO_ENABLED: 'true' }).demoEnabled).toBe(true);
    expect(loadConfig({ HOST: '0.0.0.0', IDS_DEMO_ENABLED: 'false' }).demoEnabled).toBe(false);
    expect(loadConfig({ HOST: '0.0.0.0', NODE_ENV: 'test' }).demoEnabled).toBe(false);
  });

  it('knows loopback addresses', () => {
    expect(isLoopback('127.10.0.1')).toBe(true);
    expect(isLoopback('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopback('localhost.example.com')).toBe(false);
  });
});

describe('restricting /metrics', () => {
  it('takes a bearer token of at least 32 characters and never echoes it', () => {
    const token = 'm'.repeat(40);
    expect(loadConfig({ IDS_METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(() => loadConfig({ IDS_METRICS_TOKEN: 'short-secret' })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/IDS_METRICS_TOKEN must be at least 32/),
      }),
    );
    expect(() => loadConfig({ IDS_METRICS_TOKEN: 'short-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('short-secret') }),
    );
  });

  it('takes its own port, which must differ from PORT', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ IDS_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ IDS_METRICS_PORT: '3000' })).toThrow(
      /IDS_METRICS_PORT must differ from PORT/,
    );
    expect(() => loadConfig({ IDS_METRICS_PORT: '0' })).toThrow(/IDS_METRICS_PORT must be/);
  });
});
