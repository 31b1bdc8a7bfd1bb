import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeyStatus } from '../api-keys/api-key.entity';
import { generateApiKey } from '../auth/api-key-secret';
import { DomainError, ErrorCode } from '../common/errors';
import { TransactionHost } from '../database/transaction-host';

export const DEMO = { tenantId: 'demo', storeName: 'demo', rpId: 'localhost' } as const;
const DEMO_KEY_NAME = 'demo backend (auto)';

/** API answers the demo explains to its visitor in its own words (keeping the code). */
const SENTENCES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.USER_ALREADY_EXISTS]:
    'That user name is taken. If it is yours, sign in with your passkey; otherwise choose another name.',
};

/**
 * The demo integrator's backend. Its tenant, store, relying party, policies and API key are set
 * up at start (the one internal step: an integrator would do it once by hand); every flow then
 * goes through the public HTTP API with that API key, like any integrator's server.
 */
@Injectable()
export class DemoService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoService.name);
  private apiKey = '';

  constructor(private readonly host: TransactionHost) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.host.run(async () => {
      const m = this.host.manager;
      await m.query(
        `INSERT INTO tenants (id, name, status, max_stores, max_users, max_passkeys_per_user)
         VALUES ('demo', 'Demo shop', 'ACTIVE', 1, 10000, 10) ON CONFLICT (id) DO NOTHING`,
      );
      await m.query(
        `INSERT INTO stores (tenant_id, name, description, default_locale, default_time_zone, default_user_status,
                             max_failed_attempts, temp_lock_seconds, max_temp_locks_before_lock)
         VALUES ('demo', 'demo', 'Demo shop customers', 'en-US', 'UTC', 'ACTIVE', 5, 60, 0)
         ON CONFLICT (tenant_id, name) DO NOTHING`,
      );
      // origins left empty: http://localhost on any port is accepted for the rpId localhost
      await m.query(
        `INSERT INTO relying_parties (tenant_id, store_id, rp_id, name, origins)
         SELECT 'demo', id, 'localhost', 'Demo shop', '{}' FROM stores WHERE tenant_id = 'demo' AND name = 'demo'
         ON CONFLICT (store_id, rp_id) DO NOTHING`,
      );
      await m.query(
        `INSERT INTO registration_policies (tenant_id, relying_party_id, name, resident_key, user_verification, attestation,
                                            timeout_ms, algorithms, allow_external_challenge, exclude_existing_credentials)
         SELECT 'demo', rp.id, 'default', 'required', 'preferred', 'none', 300000, '{-8,-7,-257}', false, true
           FROM relying_parties rp JOIN stores s ON s.id = rp.store_id WHERE s.tenant_id = 'demo' AND s.name = 'demo'
         ON CONFLICT (relying_party_id, name) DO NOTHING`,
      );
      await m.query(
        `INSERT INTO authentication_policies (tenant_id, relying_party_id, name, user_verification, timeout_ms,
                                              allow_external_challenge, counter_policy, allow_discoverable)
         SELECT 'demo', rp.id, 'default', 'preferred', 300000, false, 'FLAG', true
           FROM relying_parties rp JOIN stores s ON s.id = rp.store_id WHERE s.tenant_id = 'demo' AND s.name = 'demo'
         ON CONFLICT (relying_party_id, name) DO NOTHING`,
      );
      // A fresh key per process: its secret lives only in this process's memory.
      await m.query(
        `DELETE FROM api_keys WHERE tenant_id = 'demo' AND name = $1 AND created_at < now() - interval '1 day'`,
        [DEMO_KEY_NAME],
      );
      const key = generateApiKey();
      await m.query(
        `INSERT INTO api_keys (id, tenant_id, name, description, status, permissions, secret_hash, is_platform)
         VALUES ($1, 'demo', $2, 'Used by the /demo site', $3, $4, $5, false)`,
        [key.id, DEMO_KEY_NAME, ApiKeyStatus.ACTIVE, ['TNT#demo#IdentityStore:*'], key.hash],
      );
      this.apiKey = key.key;
    });
    this.logger.log('demo site enabled at /demo (tenant "demo"); never enable it in production');
  }

  /** One call to the public API, over HTTP, with the demo's API key. */
  async api(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${base}/api/identity-store/${path}`, {
      method: 'POST',
      headers: { 'x-api-key': this.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) {
      const sentence = SENTENCES[json.code as ErrorCode];
      if (sentence) throw new DomainError(json.code as ErrorCode, sentence);
      throw new DomainError(
        ErrorCode.REQUEST_REJECTED,
        `${String(json.code)}: ${String(json.detail)}`,
      );
    }
    return json;
  }
}
