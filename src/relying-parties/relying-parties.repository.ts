import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { changedFields } from '../database/changes';
import { TransactionHost } from '../database/transaction-host';
import { PageRequest } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { RelyingPartyEntity } from './relying-party.entity';

/** The fields an update may change (the rpId never changes: credentials are bound to it). */
export type RelyingPartyChanges = Partial<Pick<RelyingPartyEntity, 'name' | 'origins'>>;

/** The SQL of relying parties, each statement scoped by tenant and store. */
@Injectable()
export class RelyingPartiesRepository {
  constructor(private readonly host: TransactionHost) {}

  private get rps(): Repository<RelyingPartyEntity> {
    return this.host.manager.getRepository(RelyingPartyEntity);
  }

  find(tenantId: string, storeId: string, rpId: string): Promise<RelyingPartyEntity | null> {
    return this.rps.findOne({ where: { tenantId, storeId, rpId } });
  }

  /** Inserts it; an rpId taken in the store throws the database's unique violation. */
  async insert(
    tenantId: string,
    storeId: string,
    values: Pick<RelyingPartyEntity, 'rpId' | 'name' | 'origins'>,
  ): Promise<RelyingPartyEntity> {
    const rp = this.rps.create({ ...values, tenantId, storeId });
    await this.rps.insert(rp);
    return rp;
  }

  async list(
    tenantId: string,
    storeId: string,
    sort: string | undefined,
    page: PageRequest,
  ): Promise<[RelyingPartyEntity[], number]> {
    const order = resolveSort(sort, { rpId: 'r.rp_id', createdAt: 'r.created_at' }, [
      'rpId',
      'ASC',
    ]);
    return this.rps
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenantId AND r.store_id = :storeId', { tenantId, storeId })
      .orderBy(order.column, order.direction)
      .addOrderBy('r.id', 'ASC')
      .offset(page.offset)
      .limit(page.size)
      .getManyAndCount();
  }

  /**
   * Writes the fields that change and applies them (and the new updatedAt) to `rp`; false when
   * the relying party is gone.
   */
  async update(
    tenantId: string,
    rp: RelyingPartyEntity,
    changes: RelyingPartyChanges,
  ): Promise<boolean> {
    const changed = changedFields<RelyingPartyEntity>(rp, changes);
    if (Object.keys(changed).length === 0) return true;
    const result = await this.rps
      .createQueryBuilder()
      .update()
      .set(changed)
      .where('tenant_id = :tenantId AND store_id = :storeId AND id = :id', {
        tenantId,
        storeId: rp.storeId,
        id: rp.id,
      })
      .returning(['updatedAt'])
      .execute();
    const [row] = result.raw as { updated_at: Date }[];
    if (!row) return false;
    Object.assign(rp, changed, { updatedAt: row.updated_at });
    return true;
  }

  /**
   * Deletes it (its policies, passkeys and sessions go by cascade), then its Passage apps, in the
   * caller's transaction. The apps go in a statement of their own (a reference table has no
   * foreign key into a tenant's tables, docs/scaling.md): its snapshot is taken after the delete
   * waited for an app being created (which holds this row, `PassageRepository.insert`), so it sees
   * that app.
   */
  async delete(tenantId: string, storeId: string, id: string): Promise<void> {
    await this.rps.delete({ tenantId, storeId, id });
    await this.host.manager.query(
      'DELETE FROM passage_apps WHERE tenant_id = $1 AND relying_party_id = $2',
      [tenantId, id],
    );
  }
}
