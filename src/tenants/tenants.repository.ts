import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { changedFields } from '../database/changes';
import { TransactionHost } from '../database/transaction-host';
import { PageRequest } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { TenantEntity } from './tenant.entity';

/** What a new tenant is made of (its id comes first, as its own argument). */
export type NewTenant = Omit<TenantEntity, 'id' | 'userCount' | 'createdAt' | 'updatedAt'>;

/** The fields an update may change. */
export type TenantChanges = Partial<
  Pick<
    TenantEntity,
    | 'name'
    | 'status'
    | 'maxStores'
    | 'maxUsers'
    | 'maxPasskeysPerUser'
    | 'rateLimitPerKey'
    | 'rateLimitPerIp'
  >
>;

/**
 * The SQL of tenants. The tenant id is the row's key, first in every method; only the platform's
 * list reads across tenants.
 */
@Injectable()
export class TenantsRepository {
  constructor(private readonly host: TransactionHost) {}

  private get tenants(): Repository<TenantEntity> {
    return this.host.manager.getRepository(TenantEntity);
  }

  /** The tenant, optionally locked for update until the transaction ends. */
  find(tenantId: string, options: { lock?: boolean } = {}): Promise<TenantEntity | null> {
    return this.tenants.findOne({
      where: { id: tenantId },
      ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /**
   * Whether the id has an audit history: a deleted tenant's events and chain are kept (they are
   * the record of what happened), and reads find them by the tenant id alone.
   */
  async hasAuditHistory(tenantId: string): Promise<boolean> {
    const rows = (await this.tenants.manager.query(
      `SELECT 1 FROM audit_chains WHERE tenant_id = $1
       UNION ALL SELECT 1 FROM (SELECT 1 FROM audit_events WHERE tenant_id = $1 LIMIT 1) e
       LIMIT 1`,
      [tenantId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Inserts it; a taken id throws the database's unique violation. */
  async insert(tenantId: string, values: NewTenant): Promise<TenantEntity> {
    const tenant = this.tenants.create({ ...values, id: tenantId });
    await this.tenants.insert(tenant);
    return tenant;
  }

  /** All tenants, a page at a time (the platform's view). */
  async list(sort: string | undefined, page: PageRequest): Promise<[TenantEntity[], number]> {
    const order = resolveSort(sort, { id: 't.id', name: 't.name', createdAt: 't.created_at' }, [
      'id',
      'ASC',
    ]);
    return this.tenants
      .createQueryBuilder('t')
      .orderBy(order.column, order.direction)
      .addOrderBy('t.id', 'ASC')
      .offset(page.offset)
      .limit(page.size)
      .getManyAndCount();
  }

  /**
   * Writes the fields that change and applies them (and the new updatedAt) to `tenant`; false
   * when the tenant is gone.
   */
  async update(tenantId: string, tenant: TenantEntity, changes: TenantChanges): Promise<boolean> {
    const changed = changedFields<TenantEntity>(tenant, changes);
    if (Object.keys(changed).length === 0) return true;
    const result = await this.tenants
      .createQueryBuilder()
      .update()
      .set(changed)
      .where('id = :tenantId', { tenantId })
      .returning(['updatedAt'])
      .execute();
    const [row] = result.raw as { updated_at: Date }[];
    if (!row) return false;
    Object.assign(tenant, changed, { updatedAt: row.updated_at });
    return true;
  }

  /** Deletes the tenant and, by cascade, everything in it; false when there was none. */
  async delete(tenantId: string): Promise<boolean> {
    const result = await this.tenants.delete({ id: tenantId });
    return !!result.affected;
  }

  async countStores(tenantId: string): Promise<number> {
    const [{ count }] = (await this.host.manager.query(
      'SELECT count(*)::int AS count FROM stores WHERE tenant_id = $1',
      [tenantId],
    )) as { count: number }[];
    return count;
  }
}
