import { minSigningKeyOverlapSeconds, ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info' });
    expect(config.databaseUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['IDS_PLATFORM_API_KEY', 'short'],
    ['IDS_BODY_LIMIT_BYTES', '1'],
    ['IDS_SWAGGER_ENABLED', 'maybe'],
    ['IDS_CORS_ORIGINS', 'https://ok.example, javascript:alert(1)'],
    ['NODE_ENV', 'staging'],
  ])('names %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringContaining(name)]);
    }
  });

  it('never echoes a database URL, which may carry a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:s3cret@h/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT[\s\S]*LOG_LEVEL/);
  });

  it("a signing key's overlap covers the longest result token: result TTL + nonce TTL + 360 s (review)", () => {
    const long = { IDS_RESULT_TOKEN_TTL_SECONDS: '3600', IDS_NONCE_TTL_SECONDS: '3600' };
    expect(() => loadConfig({ ...long, IDS_SIGNING_KEY_OVERLAP_SECONDS: '3960' })).toThrow(
      /IDS_SIGNING_KEY_OVERLAP_SECONDS must be at least 7560/,
    );
    expect(
      loadConfig({ ...long, IDS_SIGNING_KEY_OVERLAP_SECONDS: '7560' }).signingKeyOverlapSeconds,
    ).toBe(7560);
    expect(minSigningKeyOverlapSeconds(loadConfig({}))).toBe(3960);
  });

  it('trusts proxies only by hop count or by address, never every hop', () => {
    const trust = (value: string) => loadConfig({ IDS_TRUST_PROXY: value }).trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('10.0.0.0/8, 192.168.1.7, ::1')).toEqual(['10.0.0.0/8', '192.168.1.7', '::1']);
    for (const bad of ['true', 'yes', '10.0.0.0/33', 'proxy.example', '11']) {
      expect(() => trust(bad)).toThrow(/IDS_TRUST_PROXY/);
    }
  });

  it('requires IDS_KEK in production, as 32 bytes, and never echoes it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/IDS_KEK is required/);
    const kek = Buffer.alloc(32, 5);
    expect(loadConfig({ NODE_ENV: 'production', IDS_KEK: kek.toString('base64') }).kek).toEqual(
      kek,
    );
    expect(loadConfig({ IDS_KEK: kek.toString('hex') }).kek).toEqual(kek);
    expect(loadConfig({ IDS_KEK: kek.toString('base64url') }).kek).toEqual(kek);
    expect(loadConfig({}).kek).toBeUndefined();
    const short = Buffer.alloc(16, 5).toString('base64');
    expect(() => loadConfig({ IDS_KEK: short })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(short) }),
    );
  });

  it("takes the public URL (the result tokens' issuer), defaulting to the listen address", () => {
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ IDS_PUBLIC_URL: 'https://id.example.com/' }).publicUrl).toBe(
      'https://id.example.com',
    );
    expect(() => loadConfig({ IDS_PUBLIC_URL: 'ftp://x' })).toThrow(/IDS_PUBLIC_URL/);
  });
});
