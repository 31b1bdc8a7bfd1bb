import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Page, PageQueryDto, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
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
    const qb = this.host.manager
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId });
    if (filter.type) qb.andWhere('e.type = :type', { type: filter.type });
    if (filter.from) qb.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('e.occurred_at < :to', { to: filter.to });
    const [rows, total] = await qb
      .orderBy(sort.column, sort.direction)
      .addOrderBy('e.id', sort.direction)
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows, total, request);
  }
}
