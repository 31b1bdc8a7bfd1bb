import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { changedFields } from '../database/changes';
import { TransactionHost } from '../database/transaction-host';
import { PageRequest } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { ApiKeyEntity, ApiKeyStatus } from './api-key.entity';

/** What a new key is made of (the tenant comes first, as its own argument). */
export type NewApiKey = Omit<ApiKeyEntity, 'tenantId' | 'tenant' | 'createdAt' | 'updatedAt'>;

/** What a platform key is made of (it belongs to no tenant). */
export type NewPlatformKey = Omit<NewApiKey, 'isPlatform'>;

/** The fields an update may change. */
export type ApiKeyChanges = Partial<
  Pick<ApiKeyEntity, 'name' | 'description' | 'status' | 'permissions' | 'expiresAt'>
>;

/** Serialises the platform key's bootstrap across instances starting together. */
const PLATFORM_LOCK = 7_241_003;

/**
 * The SQL of API keys: a tenant's keys, each statement scoped by the tenant, and the platform
 * keys (tenant NULL) that the bootstrap writes. Verifying a presented key is access/'s.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly host: TransactionHost) {}

  private get keys(): Repository<ApiKeyEntity> {
    return this.host.manager.getRepository(ApiKeyEntity);
  }

  /** The tenant's key, optionally locked for update until the transaction ends. */
  find(
    tenantId: string,
    keyId: string,
    options: { lock?: boolean } = {},
  ): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({
      where: { id: keyId, tenantId },
      ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async insert(tenantId: string, values: NewApiKey): Promise<ApiKeyEntity> {
    const key = this.keys.create({ ...values, tenantId });
    await this.keys.insert(key);
    return key;
  }

  async list(
    tenantId: string,
    status: ApiKeyStatus | undefined,
    sort: string | undefined,
    page: PageRequest,
  ): Promise<[ApiKeyEntity[], number]> {
    const order = resolveSort(
      sort,
      { createdAt: 'k.created_at', name: 'k.name', lastUsedAt: 'k.last_used_at' },
      ['createdAt', 'ASC'],
    );
    const qb = this.keys.createQueryBuilder('k').where('k.tenant_id = :tenantId', { tenantId });
    if (status) qb.andWhere('k.status = :status', { status });
    return qb
      .orderBy(order.column, order.direction)
      .addOrderBy('k.id', 'ASC')
      .offset(page.offset)
      .limit(page.size)
      .getManyAndCount();
  }

  /**
   * Writes the fields that change and applies them (and the new updatedAt) to `key`; false when
   * the key is gone.
   */
  async update(tenantId: string, key: ApiKeyEntity, changes: ApiKeyChanges): Promise<boolean> {
    const changed = changedFields<ApiKeyEntity>(key, changes);
    if (Object.keys(changed).length === 0) return true;
    const result = await this.keys
      .createQueryBuilder()
      .update()
      .set(changed)
      .where('tenant_id = :tenantId AND id = :id', { tenantId, id: key.id })
      .returning(['updatedAt'])
      .execute();
    const [row] = result.raw as { updated_at: Date }[];
    if (!row) return false;
    Object.assign(key, changed, { updatedAt: row.updated_at });
    return true;
  }

  async delete(tenantId: string, keyId: string): Promise<void> {
    await this.keys.delete({ id: keyId, tenantId });
  }

  /** Takes the bootstrap's advisory lock until the transaction ends. */
  async lockPlatformBootstrap(): Promise<void> {
    await this.host.manager.query('SELECT pg_advisory_xact_lock($1)', [PLATFORM_LOCK]);
  }

  async hasPlatformKey(): Promise<boolean> {
    return (await this.keys.count({ where: { isPlatform: true } })) > 0;
  }

  /** Inserts the platform key, or replaces the one with that id. */
  async upsertPlatformKey(values: NewPlatformKey): Promise<void> {
    await this.keys.upsert({ ...values, tenantId: null, isPlatform: true }, ['id']);
  }

  /** Blocks every active platform key but `keepId`; how many it blocked. */
  async blockOtherPlatformKeys(keepId: string): Promise<number> {
    const [, blocked] = (await this.host.manager.query(
      `UPDATE api_keys SET status = 'BLOCKED', updated_at = now()
        WHERE is_platform AND id <> $1 AND status = 'ACTIVE'`,
      [keepId],
    )) as [unknown, number];
    return blocked;
  }

  async insertPlatformKey(values: NewPlatformKey): Promise<void> {
    await this.keys.insert({ ...values, tenantId: null, isPlatform: true });
  }
}
