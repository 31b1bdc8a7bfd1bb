import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import {
  CreateTenantDto,
  TenantIdParams,
  TenantListQueryDto,
  TenantPageDto,
  TenantResponseDto,
  UpdateTenantDto,
} from './dto/tenant.dto';
import { TenantsService } from './tenants.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Tenants')
@Controller('identity-store/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @RequirePermission('createTenant', { scope: 'platform' })
  @ApiOperation({ summary: 'Create a tenant' })
  @ApiCreatedResponse({ type: TenantResponseDto })
  @Fails(ErrorCode.TENANT_ALREADY_EXISTS)
  createTenant(
    @Ctx() ctx: RequestContext,
    @Body() dto: CreateTenantDto,
  ): Promise<TenantResponseDto> {
    return this.tenants.create(ctx, dto);
  }

  @Get()
  @RequirePermission('listTenants', { scope: 'platform' })
  @ApiOperation({ summary: 'List tenants (sort by id, name, createdAt)' })
  @ApiOkResponse({ type: TenantPageDto })
  listTenants(@Query() query: TenantListQueryDto): Promise<TenantPageDto> {
    return this.tenants.list(query);
  }

  @Get(':tenantId')
  @RequirePermission('getTenant', { tenantInPath: true })
  @ApiOperation({ summary: 'Read a tenant' })
  @ApiOkResponse({ type: TenantResponseDto })
  @Fails(ErrorCode.TENANT_NOT_FOUND)
  getTenant(@Param() params: TenantIdParams): Promise<TenantResponseDto> {
    return this.tenants.get(params.tenantId);
  }

  @Post(':tenantId')
  @HttpCode(200)
  @RequirePermission('updateTenant', { scope: 'platform' })
  @ApiOperation({ summary: 'Update a tenant: name, status, limits' })
  @ApiOkResponse({ type: TenantResponseDto })
  @Fails(ErrorCode.TENANT_NOT_FOUND)
  updateTenant(
    @Ctx() ctx: RequestContext,
    @Param() params: TenantIdParams,
    @Body() dto: UpdateTenantDto,
  ): Promise<TenantResponseDto> {
    return this.tenants.update(ctx, params.tenantId, dto);
  }

  @Delete(':tenantId')
  @HttpCode(204)
  @RequirePermission('deleteTenant', { scope: 'platform' })
  @ApiOperation({ summary: 'Delete a tenant and everything in it' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(ErrorCode.TENANT_NOT_FOUND)
  deleteTenant(@Ctx() ctx: RequestContext, @Param() params: TenantIdParams): Promise<void> {
    return this.tenants.delete(ctx, params.tenantId);
  }
}
