import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Page, PageQueryDto, pageRequest, toPage } from '../common/pagination/page';
import { decodeCursor } from '../common/pagination/cursor';
import { resolveKeysetSort, resolveSort } from '../common/pagination/sort';
import { keysetPage } from '../database/keyset';
import { TransactionHost } from '../database/transaction-host';
import { AuditEventEntity } from './audit-event.entity';

/** An event as written; the database stamps its id and time. */
export interface NewAuditEvent {
  type: string;
  actorKeyId: string | null;
  requestId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** What a list may narrow to, besides its tenant. */
export interface AuditEventFilter {
  type?: string;
  from?: string;
  to?: string;
}

/** The SQL of the audit log: written inside the caller's transaction, read per tenant. */
@Injectable()
export class AuditRepository {
  constructor(private readonly host: TransactionHost) {}

  /** `tenantId` null: an event of the platform scope. */
  async insert(tenantId: string | null, event: NewAuditEvent): Promise<void> {
    // insert(), not save(): save() wraps every row in a transaction of its own (3 round trips)
    await this.host.manager.getRepository(AuditEventEntity).insert({
      ...event,
      tenantId,
      details: event.details as QueryDeepPartialEntity<AuditEventEntity>['details'],
    });
  }

  async list(
    tenantId: string,
    filter: AuditEventFilter,
    query: PageQueryDto,
  ): Promise<Page<AuditEventEntity>> {
    const request = pageRequest(query);
    const sort = resolveSort(query.sort, { occurredAt: 'e.occurred_at' }, ['occurredAt', 'DESC']);
    const qb = this.filtered(tenantId, filter);
    const [rows, total] = await qb
      .orderBy(sort.column, sort.direction)
      .addOrderBy('e.id', sort.direction)
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows, total, request);
  }

  /**
   * A keyset page: the events after `page.after` in `page.sort` order (`limit` + 1 of them, so
   * the caller knows whether more follow), each with its sort value as text for the next cursor.
   */
  async listAfter(
    tenantId: string,
    filter: AuditEventFilter,
    page: { sort?: string; after?: string },
    limit: number,
  ): Promise<{ rows: { event: AuditEventEntity; value: string }[]; sort: string }> {
    const sort = resolveKeysetSort(
      page.sort,
      { occurredAt: { column: 'e.occurred_at', cast: 'timestamptz' } },
      ['occurredAt', 'DESC'],
    );
    const cursor = decodeCursor(page.after, sort.name);
    const rows = await keysetPage(this.filtered(tenantId, filter), 'e', sort, cursor, limit);
    return { rows: rows.map(({ entity, value }) => ({ event: entity, value })), sort: sort.name };
  }

  private filtered(tenantId: string, filter: AuditEventFilter) {
    const qb = this.host.manager
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId });
    if (filter.type) qb.andWhere('e.type = :type', { type: filter.type });
    if (filter.from) qb.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('e.occurred_at < :to', { to: filter.to });
    return qb;
  }
}
