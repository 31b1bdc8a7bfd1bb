import { loadConfig } from '../config/app-config';

describe('webhook configuration', () => {
  it('refuses private targets by default; allows all of them, or listed CIDRs, when told', () => {
    expect(loadConfig({}).webhookAllowPrivateTargets).toBe(false);
    const allow = (value: string) =>
      loadConfig({ IDS_WEBHOOK_ALLOW_PRIVATE_TARGETS: value }).webhookAllowPrivateTargets;
    expect(allow('false')).toBe(false);
    expect(allow('true')).toBe(true);
    expect(allow('127.0.0.0/8, ::1/128')).toEqual(['127.0.0.0/8', '::1/128']);
    for (const bad of ['yes', '127.0.0.1', '10.0.0.0/33', 'intranet.example/8']) {
      expect(() => allow(bad)).toThrow(/IDS_WEBHOOK_ALLOW_PRIVATE_TARGETS/);
    }
  });

  it('needs a lease longer than the request timeout', () => {
    expect(() =>
      loadConfig({ IDS_WEBHOOK_TIMEOUT_MS: '10000', IDS_WEBHOOK_LEASE_MS: '10000' }),
    ).toThrow(/IDS_WEBHOOK_LEASE_MS must be longer than IDS_WEBHOOK_TIMEOUT_MS/);
    expect(
      loadConfig({ IDS_WEBHOOK_TIMEOUT_MS: '1000', IDS_WEBHOOK_LEASE_MS: '3000' }).webhookLeaseMs,
    ).toBe(3000);
    // a lease valid under the old 10 s default keeps it (and still starts); one that was not
    // valid still is not
    expect(loadConfig({ IDS_WEBHOOK_LEASE_MS: '12000' }).webhookTimeoutMs).toBe(10_000);
    expect(loadConfig({ IDS_WEBHOOK_LEASE_MS: '20000' }).webhookTimeoutMs).toBe(10_000);
    expect(loadConfig({ IDS_WEBHOOK_LEASE_MS: '20001' }).webhookTimeoutMs).toBe(15_000);
    expect(() => loadConfig({ IDS_WEBHOOK_LEASE_MS: '5000' })).toThrow(/IDS_WEBHOOK_LEASE_MS/);
  });

  it('has defaults that retry for over a day', () => {
    expect(loadConfig({})).toMatchObject({
      webhookPollMs: 1000,
      webhookMaxAttempts: 35,
      webhookRetryBaseMs: 5000,
      webhookRetryCapMs: 7_200_000,
      webhookTimeoutMs: 15_000,
      webhookLeaseMs: 60_000,
    });
  });
});
