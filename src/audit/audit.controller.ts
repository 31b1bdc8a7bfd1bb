import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { AuditService } from './audit.service';
import { AuditEventPageDto, AuditQueryDto } from './dto/audit-event.dto';

@ApiTags('Audit')
@Controller('identity-store/auditEvents')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequirePermission('listAuditEvents')
  @ApiOperation({
    summary: "List the tenant's audit events, newest first (filter by type and time)",
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  listAuditEvents(
    @Ctx() ctx: RequestContext,
    @Query() query: AuditQueryDto,
  ): Promise<AuditEventPageDto> {
    return this.audit.list(ctx, query);
  }
}
