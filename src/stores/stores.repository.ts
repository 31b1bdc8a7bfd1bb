import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { changedFields } from '../database/changes';
import { TransactionHost } from '../database/transaction-host';
import { PageRequest } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { TenantEntity } from '../tenants/tenant.entity';
import { StoreEntity } from './store.entity';

/** What a new store is made of (the tenant comes first, as its own argument). */
export type NewStore = Omit<StoreEntity, 'id' | 'tenantId' | 'tenant' | 'createdAt' | 'updatedAt'>;

/** The fields an update may change. */
export type StoreChanges = Partial<
  Pick<
    StoreEntity,
    | 'name'
    | 'description'
    | 'defaultLocale'
    | 'defaultTimeZone'
    | 'defaultUserStatus'
    | 'maxFailedAttempts'
    | 'tempLockSeconds'
    | 'maxTempLocksBeforeLock'
  >
>;

/** The SQL of stores, each statement scoped by the tenant. */
@Injectable()
export class StoresRepository {
  constructor(private readonly host: TransactionHost) {}

  private get stores(): Repository<StoreEntity> {
    return this.host.manager.getRepository(StoreEntity);
  }

  findByName(tenantId: string, name: string): Promise<StoreEntity | null> {
    return this.stores.findOne({ where: { tenantId, name } });
  }

  /**
   * Locks the tenant row until the transaction ends (store creation is serialised per tenant, so
   * the limit holds under races) and reads its limit and its store count; undefined: no tenant.
   */
  async lockStoreQuota(
    tenantId: string,
  ): Promise<{ maxStores: number; storeCount: number } | undefined> {
    const tenant = await this.host.manager
      .getRepository(TenantEntity)
      .findOne({ where: { id: tenantId }, lock: { mode: 'pessimistic_write' } });
    if (!tenant) return undefined;
    const storeCount = await this.stores.count({ where: { tenantId } });
    return { maxStores: tenant.maxStores, storeCount };
  }

  /** Inserts the store; a taken name throws the database's unique violation. */
  async insert(tenantId: string, values: NewStore): Promise<StoreEntity> {
    const entity = this.stores.create({ ...values, tenantId });
    await this.stores.insert(entity);
    return entity;
  }

  async list(
    tenantId: string,
    sort: string | undefined,
    page: PageRequest,
  ): Promise<[StoreEntity[], number]> {
    const order = resolveSort(sort, { name: 's.name', createdAt: 's.created_at' }, ['name', 'ASC']);
    return this.stores
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId })
      .orderBy(order.column, order.direction)
      .addOrderBy('s.id', 'ASC')
      .offset(page.offset)
      .limit(page.size)
      .getManyAndCount();
  }

  /**
   * Writes the fields that change and applies them (and the new updatedAt) to `store`; false when
   * the store is gone. A name taken in the tenant throws the database's unique violation.
   */
  async update(tenantId: string, store: StoreEntity, changes: StoreChanges): Promise<boolean> {
    const changed = changedFields<StoreEntity>(store, changes);
    if (Object.keys(changed).length === 0) return true;
    const result = await this.stores
      .createQueryBuilder()
      .update()
      .set(changed)
      .where('tenant_id = :tenantId AND id = :id', { tenantId, id: store.id })
      .returning(['updatedAt'])
      .execute();
    const [row] = result.raw as { updated_at: Date }[];
    if (!row) return false;
    Object.assign(store, changed, { updatedAt: row.updated_at });
    return true;
  }

  /**
   * Deletes the store (its users, passkeys, relying parties and sessions go by cascade) and then
   * its Passage apps, and takes its users off the tenant's counter; undefined when there was no
   * such store. In the caller's transaction. The apps go in a statement of their own (a reference
   * table has no foreign key into a tenant's tables, docs/scaling.md): its snapshot is taken after
   * the cascade waited for an app being created (which holds its relying party's row,
   * `PassageRepository.insert`), so it sees that app.
   */
  async delete(
    tenantId: string,
    name: string,
  ): Promise<{ id: string; userCount: number } | undefined> {
    const [rows] = (await this.host.manager.query(
      'DELETE FROM stores WHERE tenant_id = $1 AND name = $2 RETURNING id, user_count',
      [tenantId, name],
    )) as [{ id: string; user_count: number }[], number];
    if (rows.length === 0) return undefined;
    await this.host.manager.query(
      'DELETE FROM passage_apps WHERE tenant_id = $1 AND store_id = $2',
      [tenantId, rows[0].id],
    );
    await this.host.manager.query('UPDATE tenants SET user_count = user_count - $2 WHERE id = $1', [
      tenantId,
      rows[0].user_count,
    ]);
    return { id: rows[0].id, userCount: rows[0].user_count };
  }
}
