import { Controller, Get, Header, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { AuditChainService, ExportPage } from './audit-chain.service';
import {
  AuditChainVerificationDto,
  AuditExportQueryDto,
  AuditVerifyQueryDto,
} from './dto/audit-chain.dto';

const NDJSON = 'application/x-ndjson';

const EXPORT_RESPONSE = {
  description:
    'JSON lines: one sealed event per line, in chain order, `{id, tenantId, seq, type, ' +
    'actorKeyId, requestId, ip, occurredAt, details, contentHash, chainHash, previousHash}` ' +
    '(`occurredAt` UTC with microseconds, hashes in hex), so a SIEM can re-verify the chain ' +
    '(docs/audit.md)',
  content: {
    [NDJSON]: { schema: { type: 'string', example: '{"id":"…","seq":1,…}\n' } },
  },
  headers: {
    'X-Next-Cursor': {
      description:
        'Always: pass as `cursor` to continue after the last line (also later, for what is sealed since)',
      schema: { type: 'string' },
    },
    Link: {
      description: 'Only when more events are ready now: `<…?cursor=…&limit=…>; rel="next"`',
      schema: { type: 'string' },
    },
  },
};

/** Sets the paging headers of an export and answers its lines. */
function ndjson(request: FastifyRequest, reply: FastifyReply, page: ExportPage): string {
  reply.header('x-next-cursor', page.cursor);
  if (page.more) {
    const path = request.url.split('?')[0];
    reply.header('link', `<${path}?cursor=${page.cursor}&limit=${page.limit}>; rel="next"`);
  }
  return page.body;
}

@ApiTags('Audit')
@Controller('identity-store')
export class AuditChainController {
  constructor(private readonly chains: AuditChainService) {}

  @Get('auditEvents/verify')
  @RequirePermission('verifyAuditEvents')
  @ApiOperation({
    summary:
      "Verify the tenant's audit hash chain (or the part covering from..to): ok, or the first event where it breaks and why",
  })
  @ApiOkResponse({ type: AuditChainVerificationDto })
  verifyAuditEvents(
    @Ctx() ctx: RequestContext,
    @Query() query: AuditVerifyQueryDto,
  ): Promise<AuditChainVerificationDto> {
    return this.chains.verify(ctx, query);
  }

  @Get('auditEvents/export')
  @RequirePermission('exportAuditEvents')
  @Header('content-type', NDJSON)
  @ApiProduces(NDJSON)
  @ApiOperation({
    summary: "Export the tenant's sealed audit events as JSON lines for a SIEM, paged by cursor",
  })
  @ApiOkResponse(EXPORT_RESPONSE)
  async exportAuditEvents(
    @Ctx() ctx: RequestContext,
    @Query() query: AuditExportQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return ndjson(request, reply, await this.chains.export(ctx, query));
  }

  @Get('platform/auditEvents/verify')
  @RequirePermission('verifyAuditEvents', { scope: 'platform' })
  @ApiOperation({
    summary: 'Verify the audit hash chain of the platform scope (events of no tenant)',
  })
  @ApiOkResponse({ type: AuditChainVerificationDto })
  verifyPlatformAuditEvents(
    @Ctx() ctx: RequestContext,
    @Query() query: AuditVerifyQueryDto,
  ): Promise<AuditChainVerificationDto> {
    return this.chains.verify(ctx, query);
  }

  @Get('platform/auditEvents/export')
  @RequirePermission('exportAuditEvents', { scope: 'platform' })
  @Header('content-type', NDJSON)
  @ApiProduces(NDJSON)
  @ApiOperation({
    summary: 'Export the sealed audit events of the platform scope as JSON lines, paged by cursor',
  })
  @ApiOkResponse(EXPORT_RESPONSE)
  async exportPlatformAuditEvents(
    @Ctx() ctx: RequestContext,
    @Query() query: AuditExportQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return ndjson(request, reply, await this.chains.export(ctx, query));
  }
}
