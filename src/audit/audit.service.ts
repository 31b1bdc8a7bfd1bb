import { Injectable } from '@nestjs/common';
import { auditedIp } from './actor';
import type { RequestContext } from '../auth/request-context';
import { Page } from '../common/pagination/page';
import { CursorPage, cursorMode, toCursorPage } from '../common/pagination/cursor';
import { AuditEventType } from './audit-event-type';
import { AuditRepository } from './audit.repository';
import { AuditEventDto, AuditQueryDto } from './dto/audit-event.dto';

export interface AuditInput {
  type: AuditEventType;
  /** Defaults to the request's target tenant (null for the platform scope). */
  tenantId?: string | null;
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /** Records an event; inside a transaction it commits (or not) with the change. */
  async record(ctx: RequestContext, input: AuditInput): Promise<void> {
    const tenantId =
      input.tenantId !== undefined ? input.tenantId : ctx.tenantId === '*' ? null : ctx.tenantId;
    await this.events.insert(tenantId, {
      type: input.type,
      actorKeyId: ctx.principal.keyId,
      requestId: ctx.requestId,
      ip: auditedIp(ctx, tenantId),
      details: input.details ?? {},
    });
  }

  async list(
    ctx: RequestContext,
    query: AuditQueryDto,
  ): Promise<Page<AuditEventDto> | CursorPage<AuditEventDto>> {
    if (cursorMode(query)) {
      const limit = query.limit ?? 20;
      const { rows, sort } = await this.events.listAfter(ctx.tenantId, query, query, limit);
      return toCursorPage(
        rows,
        limit,
        sort,
        (row) => ({ value: row.value, id: row.event.id }),
        (row) => AuditEventDto.from(row.event),
      );
    }
    const page = await this.events.list(ctx.tenantId, query, query);
    return { ...page, content: page.content.map(AuditEventDto.from) };
  }
}
