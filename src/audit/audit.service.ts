import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { AuditEventType } from './audit-event-type';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventDto, AuditQueryDto } from './dto/audit-event.dto';

export interface AuditInput {
  type: AuditEventType;
  /** Defaults to the request's target tenant (null for the platform scope). */
  tenantId?: string | null;
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(private readonly host: TransactionHost) {}

  private get events(): Repository<AuditEventEntity> {
    return this.host.manager.getRepository(AuditEventEntity);
  }

  /** Records an event; inside a transaction it commits (or not) with the change. */
  async record(ctx: RequestContext, input: AuditInput): Promise<void> {
    const tenantId =
      input.tenantId !== undefined ? input.tenantId : ctx.tenantId === '*' ? null : ctx.tenantId;
    // insert(), not save(): save() wraps every row in a transaction of its own (3 round trips)
    await this.events.insert({
      tenantId,
      type: input.type,
      actorKeyId: ctx.principal.keyId,
      requestId: ctx.requestId,
      ip: ctx.ip,
      details: (input.details ?? {}) as QueryDeepPartialEntity<AuditEventEntity>['details'],
    });
  }

  async list(ctx: RequestContext, query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const request = pageRequest(query);
    const sort = resolveSort(query.sort, { occurredAt: 'e.occurred_at' }, ['occurredAt', 'DESC']);
    const qb = this.events
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId: ctx.tenantId });
    if (query.type) qb.andWhere('e.type = :type', { type: query.type });
    if (query.from) qb.andWhere('e.occurred_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.occurred_at < :to', { to: query.to });
    const [rows, total] = await qb
      .orderBy(sort.column, sort.direction)
      .addOrderBy('e.id', sort.direction)
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows.map(AuditEventDto.from), total, request);
  }
}
