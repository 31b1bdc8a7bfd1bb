import { Injectable } from '@nestjs/common';
import { ApiKeyStatus } from '../api-keys/api-key.entity';
import { TransactionHost } from '../database/transaction-host';

/** The demo's API key row: its secret never reaches the database, only its hash. */
export interface DemoApiKey {
  id: string;
  name: string;
  hash: Buffer;
  permissions: string[];
}

/**
 * The SQL of the demo's set-up: its tenant, store, relying party and policies, each created
 * once (existing rows are left as they are), and its API key.
 */
/** The name the demo gives its tenant, and how it knows the tenant is its own. */
export const DEMO_TENANT_NAME = 'Demo shop';

@Injectable()
export class DemoRepository {
  constructor(private readonly host: TransactionHost) {}

  /** Makes the demo's tenant once; false when a tenant of that id exists that the demo did not make. */
  async ensureTenant(tenantId: string): Promise<boolean> {
    await this.host.manager.query(
      `INSERT INTO tenants (id, name, status, max_stores, max_users, max_passkeys_per_user)
       VALUES ($1, $2, 'ACTIVE', 1, 10000, 10) ON CONFLICT (id) DO NOTHING`,
      [tenantId, DEMO_TENANT_NAME],
    );
    const rows: { name: string }[] = await this.host.manager.query(
      'SELECT name FROM tenants WHERE id = $1',
      [tenantId],
    );
    return rows[0]?.name === DEMO_TENANT_NAME;
  }

  async ensureStore(tenantId: string, storeName: string): Promise<void> {
    await this.host.manager.query(
      `INSERT INTO stores (tenant_id, name, description, default_locale, default_time_zone, default_user_status,
                           max_failed_attempts, temp_lock_seconds, max_temp_locks_before_lock)
       VALUES ($1, $2, 'Demo shop customers', 'en-US', 'UTC', 'ACTIVE', 5, 60, 0)
       ON CONFLICT (tenant_id, name) DO NOTHING`,
      [tenantId, storeName],
    );
  }

  /** Its origins are left empty: http://localhost on any port is accepted for the rpId localhost. */
  async ensureRelyingParty(tenantId: string, storeName: string, rpId: string): Promise<void> {
    await this.host.manager.query(
      `INSERT INTO relying_parties (tenant_id, store_id, rp_id, name, origins)
       SELECT $1::text, id, $3::text, 'Demo shop', '{}' FROM stores WHERE tenant_id = $1::text AND name = $2
       ON CONFLICT (tenant_id, store_id, rp_id) DO NOTHING`,
      [tenantId, storeName, rpId],
    );
  }

  /** A `default` registration and authentication policy for every relying party of the store. */
  async ensureDefaultPolicies(tenantId: string, storeName: string): Promise<void> {
    await this.host.manager.query(
      `INSERT INTO registration_policies (tenant_id, relying_party_id, name, resident_key, user_verification, attestation,
                                          timeout_ms, algorithms, allow_external_challenge, exclude_existing_credentials)
       SELECT $1::text, rp.id, 'default', 'required', 'preferred', 'none', 300000, '{-8,-7,-257}', false, true
         FROM relying_parties rp JOIN stores s ON s.tenant_id = rp.tenant_id AND s.id = rp.store_id
        WHERE s.tenant_id = $1::text AND s.name = $2
       ON CONFLICT (tenant_id, relying_party_id, name) DO NOTHING`,
      [tenantId, storeName],
    );
    await this.host.manager.query(
      `INSERT INTO authentication_policies (tenant_id, relying_party_id, name, user_verification, timeout_ms,
                                            allow_external_challenge, counter_policy, allow_discoverable)
       SELECT $1::text, rp.id, 'default', 'preferred', 300000, false, 'FLAG', true
         FROM relying_parties rp JOIN stores s ON s.tenant_id = rp.tenant_id AND s.id = rp.store_id
        WHERE s.tenant_id = $1::text AND s.name = $2
       ON CONFLICT (tenant_id, relying_party_id, name) DO NOTHING`,
      [tenantId, storeName],
    );
  }

  /** Deletes the tenant's keys of that name older than a day (earlier processes' keys). */
  async deleteStaleKeys(tenantId: string, name: string): Promise<void> {
    await this.host.manager.query(
      `DELETE FROM api_keys WHERE tenant_id = $1 AND name = $2 AND created_at < now() - interval '1 day'`,
      [tenantId, name],
    );
  }

  async insertKey(tenantId: string, key: DemoApiKey): Promise<void> {
    await this.host.manager.query(
      `INSERT INTO api_keys (id, tenant_id, name, description, status, permissions, secret_hash, is_platform)
       VALUES ($1, $2, $3, 'Used by the /demo site', $4, $5, $6, false)`,
      [key.id, tenantId, key.name, ApiKeyStatus.ACTIVE, key.permissions, key.hash],
    );
  }
}
