import { Injectable } from '@nestjs/common';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { prepared, runPrepared } from '../database/prepared';
import { TransactionHost } from '../database/transaction-host';
import { TenantEntity } from '../tenants/tenant.entity';

/** A row of a raw SQL query, mapped field by field below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawRow = Record<string, any>;

/** An API key as every request checks it, with its tenant's status and rate limits. */
export type KeyRow = ApiKeyEntity & {
  tenantStatus: string | null;
  rateLimits?: { perKey: number | null; perIp: number | null };
};

const LOAD_KEY = prepared(
  'api_key_load',
  `SELECT k.id, k.tenant_id, k.status, k.permissions, k.secret_hash, k.is_platform, k.expires_at, k.last_used_at,
          t.status AS tenant_status, t.rate_limit_per_key, t.rate_limit_per_ip
     FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id
    WHERE k.id = $1`,
);

/**
 * The reads of access control, on every request: the presented key (by id: a key is found before
 * its tenant is known), the platform keys, another target tenant's status.
 */
@Injectable()
export class AccessRepository {
  constructor(private readonly host: TransactionHost) {}

  /** One plain statement per request (this runs on every call; no query builder). */
  async key(id: string): Promise<KeyRow | undefined> {
    const [row] = await runPrepared<RawRow[]>(this.host.executor, LOAD_KEY, [id]);
    if (!row) return undefined;
    return Object.assign(new ApiKeyEntity(), {
      id: row.id,
      tenantId: row.tenant_id,
      status: row.status,
      permissions: row.permissions,
      secretHash: row.secret_hash,
      isPlatform: row.is_platform,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      tenantStatus: row.tenant_status,
      rateLimits: { perKey: row.rate_limit_per_key, perIp: row.rate_limit_per_ip },
    }) as KeyRow;
  }

  /** The platform keys (one or two; they belong to no tenant). */
  platformKeys(): Promise<ApiKeyEntity[]> {
    return this.host.manager.getRepository(ApiKeyEntity).find({ where: { isPlatform: true } });
  }

  /** Records that a key was used (keeps updated_at: a use is not a change of the key). */
  async touchKey(id: string): Promise<void> {
    await this.host.manager
      .getRepository(ApiKeyEntity)
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()', updatedAt: () => 'updated_at' })
      .where('id = :id', { id })
      .execute();
  }

  /** A tenant's status; undefined when there is no such tenant. */
  async tenantStatus(tenantId: string): Promise<string | undefined> {
    const tenant = await this.host.manager
      .getRepository(TenantEntity)
      .findOne({ where: { id: tenantId }, select: { status: true } });
    return tenant?.status;
  }
}
