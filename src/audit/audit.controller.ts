import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { AuditService } from './audit.service';
import { AuditEventCursorPageDto, AuditEventPageDto, AuditQueryDto } from './dto/audit-event.dto';

@ApiTags('Audit')
@Controller('identity-store/auditEvents')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequirePermission('listAuditEvents')
  @ApiOperation({
    summary: "List the tenant's audit events, newest first (filter by type and time)",
  })
  @ApiExtraModels(AuditEventPageDto, AuditEventCursorPageDto)
  @ApiOkResponse({
    description: 'A numbered page (`page`/`size`), or a keyset page with `after`/`limit`',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(AuditEventPageDto) },
        { $ref: getSchemaPath(AuditEventCursorPageDto) },
      ],
    },
  })
  listAuditEvents(
    @Ctx() ctx: RequestContext,
    @Query() query: AuditQueryDto,
  ): Promise<AuditEventPageDto | AuditEventCursorPageDto> {
    return this.audit.list(ctx, query);
  }
}
