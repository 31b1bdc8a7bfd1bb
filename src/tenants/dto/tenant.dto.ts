import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEnum,
  IsInt,
  IsNotIn,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Length } from '../../common/validation/length';
import { TENANT_ID_PATTERN } from '../../auth/permissions';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { TenantEntity, TenantStatus } from '../tenant.entity';

/** Static segments under /api/identity-store, which a `{tenantId}` segment must never shadow. */
export const RESERVED_TENANT_IDS = [
  'stores',
  'tenants',
  'apikeys',
  'auditevents',
  'limits',
  'transactions',
  'browser',
  'metadata',
];

export const DEFAULT_LIMITS = { maxStores: 10, maxUsers: 100_000, maxPasskeysPerUser: 10 } as const;

export class TenantLimitsDto {
  @ApiProperty({
    type: 'integer',
    description: 'Identity stores in the tenant',
    minimum: 1,
    maximum: 10000,
    example: 10,
  })
  @IsInt()
  @Min(1)
  @Max(10000)
  maxStores!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Users across all stores of the tenant',
    minimum: 1,
    maximum: 100_000_000,
    example: 100000,
  })
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  maxUsers!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Passkeys per user',
    minimum: 1,
    maximum: 100,
    example: 10,
  })
  @IsInt()
  @Min(1)
  @Max(100)
  maxPasskeysPerUser!: number;
}

export class PartialTenantLimitsDto extends PartialType(TenantLimitsDto) {}

export class TenantRateLimitsDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    description:
      'Requests per minute per API key on ceremony and token routes; null: server default (IDS_RATE_LIMIT_PER_KEY), 0: off',
    example: 6000,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  perApiKeyPerMinute?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    description:
      'Requests per minute per client IP on those routes; null: server default (IDS_RATE_LIMIT_PER_IP), 0: off',
    example: 3000,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  perIpPerMinute?: number | null;
}

export class CreateTenantDto {
  @ApiProperty({
    description: 'Tenant id: a slug of 2-63 characters [a-z0-9-], starting and ending alphanumeric',
    example: 'acme',
  })
  @IsString()
  @Length(2, 63)
  @Matches(TENANT_ID_PATTERN, {
    message: 'id must be a slug of [a-z0-9-], starting and ending alphanumeric',
  })
  @IsNotIn([...RESERVED_TENANT_IDS, 'demo'], {
    message: `id must not be one of ${RESERVED_TENANT_IDS.join(', ')} (path segments of the API) or demo (the demo site's)`,
  })
  id!: string;

  @ApiProperty({ description: 'Display name', example: 'ACME Corp.' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    type: PartialTenantLimitsDto,
    description: `Limits; each missing one defaults to ${JSON.stringify(DEFAULT_LIMITS)}`,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialTenantLimitsDto)
  limits?: PartialTenantLimitsDto;

  @ApiPropertyOptional({
    type: TenantRateLimitsDto,
    description: 'Rate limits of the ceremony and token routes',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TenantRateLimitsDto)
  rateLimits?: TenantRateLimitsDto;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'ACME Corporation' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    enum: TenantStatus,
    enumName: 'TenantStatus',
    description: 'SUSPENDED stops every key of the tenant (the platform keeps access)',
    example: TenantStatus.ACTIVE,
  })
  @IsOptional()
  @IsEnum(TenantStatus)
  status?: TenantStatus;

  @ApiPropertyOptional({ type: PartialTenantLimitsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialTenantLimitsDto)
  limits?: PartialTenantLimitsDto;

  @ApiPropertyOptional({
    type: TenantRateLimitsDto,
    description: 'Rate limits of the ceremony and token routes',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TenantRateLimitsDto)
  rateLimits?: TenantRateLimitsDto;
}

export class TenantIdParams {
  @ApiProperty({ description: 'Tenant id', example: 'acme' })
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be a tenant id' })
  tenantId!: string;
}

export class TenantResponseDto {
  @ApiProperty({ example: 'acme' }) id!: string;
  @ApiProperty({ example: 'ACME Corp.' }) name!: string;
  @ApiProperty({ enum: TenantStatus, enumName: 'TenantStatus' }) status!: TenantStatus;
  @ApiProperty({ type: TenantLimitsDto }) limits!: TenantLimitsDto;
  @ApiProperty({ type: TenantRateLimitsDto }) rateLimits!: TenantRateLimitsDto;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(t: TenantEntity): TenantResponseDto {
    return {
      id: t.id,
      name: t.name,
      status: t.status,
      limits: {
        maxStores: t.maxStores,
        maxUsers: t.maxUsers,
        maxPasskeysPerUser: t.maxPasskeysPerUser,
      },
      rateLimits: { perApiKeyPerMinute: t.rateLimitPerKey, perIpPerMinute: t.rateLimitPerIp },
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }
}

export class TenantPageDto extends PageMetaDto {
  @ApiProperty({ type: [TenantResponseDto] }) content!: TenantResponseDto[];
}

export class TenantListQueryDto extends PageQueryDto {}
