import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsEnum, IsOptional, IsString, IsUUID } from 'class-validator';
import { Length, MaxLength } from '../../common/validation/length';
import { IsTimestamp } from '../../common/validation/timestamp';
import { keyHint } from '../../auth/api-key-secret';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { ApiKeyEntity, ApiKeyStatus } from '../api-key.entity';

const PERMISSIONS_DOC =
  'Permission strings `TNT#{tenant}#IdentityStore:{operation}` (operation may be `*`). The tenant ' +
  "must be the key's tenant, and the caller must hold every permission it grants.";

/** A key's `expiresAt`, on create and update: documented and validated once. */
const ExpiresAt = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      format: 'date-time',
      nullable: true,
      description: 'null: never expires',
      example: '2027-01-01T00:00:00Z',
    }),
    IsOptional(),
    IsTimestamp(),
  );

export class CreateApiKeyDto {
  @ApiProperty({ example: 'backend-prod' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    example: 'Used by the checkout service',
    type: String,
    nullable: true,
    description: 'null: none',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiProperty({
    type: [String],
    description: PERMISSIONS_DOC,
    example: ['TNT#acme#IdentityStore:*'],
  })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  permissions!: string[];

  @ExpiresAt()
  expiresAt?: string | null;
}

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ example: 'backend-prod' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Rotated 2026-11' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiPropertyOptional({
    enum: ApiKeyStatus,
    enumName: 'ApiKeyStatus',
    description:
      'BLOCKED or ARCHIVED keys (and their tokens) stop working at once. BLOCKED can return to ' +
      'ACTIVE; ARCHIVED is final (API_KEY_ARCHIVED)',
    example: ApiKeyStatus.BLOCKED,
  })
  @IsOptional()
  @IsEnum(ApiKeyStatus)
  status?: ApiKeyStatus;

  @ApiPropertyOptional({
    type: [String],
    description: PERMISSIONS_DOC,
    example: ['TNT#acme#IdentityStore:getTenant'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  permissions?: string[];

  @ExpiresAt()
  expiresAt?: string | null;
}

export class ApiKeyIdParams {
  @ApiProperty({ format: 'uuid', example: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b' })
  @IsUUID()
  apiKeyId!: string;
}

export class ApiKeyListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ApiKeyStatus, enumName: 'ApiKeyStatus' })
  @IsOptional()
  @IsEnum(ApiKeyStatus)
  status?: ApiKeyStatus;
}

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'acme' }) tenantId!: string;
  @ApiProperty({ example: 'backend-prod' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: ApiKeyStatus, enumName: 'ApiKeyStatus' }) status!: ApiKeyStatus;
  @ApiProperty({ type: [String], example: ['TNT#acme#IdentityStore:*'] }) permissions!: string[];
  @ApiProperty({
    description: 'Recognisable start of the key (the secret is never shown again)',
    example: 'idsk_2f1d3c4b…',
  })
  hint!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Updated at most once a minute',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(k: ApiKeyEntity): ApiKeyResponseDto {
    return {
      id: k.id,
      tenantId: k.tenantId as string,
      name: k.name,
      description: k.description,
      status: k.status,
      permissions: k.permissions,
      hint: keyHint(k.id),
      expiresAt: k.expiresAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      createdAt: k.createdAt.toISOString(),
      updatedAt: k.updatedAt.toISOString(),
    };
  }
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({
    description: 'The API key. Shown only in this response: store it now.',
    example: 'idsk_2f1d3c4b5a6947889a0b1c2d3e4f5a6b_…',
  })
  key!: string;
}

export class ApiKeyPageDto extends PageMetaDto {
  @ApiProperty({ type: [ApiKeyResponseDto] }) content!: ApiKeyResponseDto[];
}
