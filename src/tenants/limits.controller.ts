import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { TenantLimitsDto } from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

export class TenantUsageDto {
  @ApiProperty({ type: 'integer', example: 2 }) stores!: number;
  @ApiProperty({ type: 'integer', example: 1234, description: 'Users across all stores' })
  users!: number;
}

export class LimitsResponseDto {
  @ApiProperty({ example: 'acme' }) tenantId!: string;
  @ApiProperty({ type: TenantLimitsDto }) limits!: TenantLimitsDto;
  @ApiProperty({ type: TenantUsageDto }) usage!: TenantUsageDto;
}

@ApiTags('Tenants')
@Controller('identity-store/limits')
export class LimitsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @RequirePermission('getLimits')
  @ApiOperation({ summary: "The target tenant's limits and current usage" })
  @ApiOkResponse({ type: LimitsResponseDto })
  getLimits(@Ctx() ctx: RequestContext): Promise<LimitsResponseDto> {
    return this.tenants.limits(ctx.tenantId);
  }
}
