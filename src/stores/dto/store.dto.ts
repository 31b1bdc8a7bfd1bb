import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { MaxLength } from '../../common/validation/length';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { IsLocale, IsPathName, IsTimeZone } from '../../common/validation/validators';
import { UserStatus } from '../user-status';
import { StoreEntity } from '../store.entity';

export const DEFAULT_LOCK = {
  maxFailedAttempts: 5,
  tempLockSeconds: 300,
  maxTempLocksBeforeLock: 3,
} as const;
export const NEW_USER_STATUSES = [
  UserStatus.ACTIVE,
  UserStatus.PENDING_ACTIVE,
  UserStatus.DISABLED,
];

export class LockConfigurationDto {
  @ApiProperty({
    type: 'integer',
    description: 'Failed authentications that temp-lock a user',
    minimum: 1,
    maximum: 100,
    example: 5,
  })
  @IsInt()
  @Min(1)
  @Max(100)
  maxFailedAttempts!: number;

  @ApiProperty({
    type: 'integer',
    description: 'How long a temp lock lasts',
    minimum: 1,
    maximum: 604800,
    example: 300,
  })
  @IsInt()
  @Min(1)
  @Max(604800)
  tempLockSeconds!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Temp locks after which the user is LOCKED until unlocked by an admin (0: never)',
    minimum: 0,
    maximum: 100,
    example: 3,
  })
  @IsInt()
  @Min(0)
  @Max(100)
  maxTempLocksBeforeLock!: number;
}

export class PartialLockConfigurationDto extends PartialType(LockConfigurationDto) {}

export class CreateStoreDto {
  @ApiProperty({ description: 'Unique in the tenant; used in paths', example: 'customers' })
  @IsPathName('name')
  name!: string;

  @ApiPropertyOptional({
    example: 'Retail customers',
    type: String,
    nullable: true,
    description: 'null: none',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiPropertyOptional({
    description: 'BCP 47 tag, at most 35 characters; default en-US',
    example: 'en-US',
  })
  @IsOptional()
  @MaxLength(35)
  @IsLocale()
  defaultLocale?: string;

  @ApiPropertyOptional({ description: 'IANA time zone; default UTC', example: 'Europe/Berlin' })
  @IsOptional()
  @IsTimeZone()
  defaultTimeZone?: string;

  @ApiPropertyOptional({
    enum: NEW_USER_STATUSES,
    description: 'Status of new users unless given; default ACTIVE',
    example: UserStatus.ACTIVE,
  })
  @IsOptional()
  @IsEnum(NEW_USER_STATUSES, {
    message: `defaultUserStatus must be one of ${NEW_USER_STATUSES.join(', ')}`,
  })
  defaultUserStatus?: UserStatus;

  @ApiPropertyOptional({
    type: PartialLockConfigurationDto,
    description: `Lockout; missing values default to ${JSON.stringify(DEFAULT_LOCK)}`,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialLockConfigurationDto)
  lockConfiguration?: PartialLockConfigurationDto;
}

export class UpdateStoreDto extends PartialType(CreateStoreDto) {}

export class StoreParams {
  @ApiProperty({ example: 'customers' })
  @IsPathName('storeName')
  storeName!: string;
}

export class StoreResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'customers' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'en-US' }) defaultLocale!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) defaultTimeZone!: string;
  @ApiProperty({ enum: UserStatus, enumName: 'UserStatus' }) defaultUserStatus!: UserStatus;
  @ApiProperty({ type: LockConfigurationDto }) lockConfiguration!: LockConfigurationDto;
  @ApiProperty({ type: 'integer', example: 42 }) userCount!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(s: StoreEntity): StoreResponseDto {
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      defaultLocale: s.defaultLocale,
      defaultTimeZone: s.defaultTimeZone,
      defaultUserStatus: s.defaultUserStatus,
      lockConfiguration: {
        maxFailedAttempts: s.maxFailedAttempts,
        tempLockSeconds: s.tempLockSeconds,
        maxTempLocksBeforeLock: s.maxTempLocksBeforeLock,
      },
      userCount: s.userCount,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}

export class StorePageDto extends PageMetaDto {
  @ApiProperty({ type: [StoreResponseDto] }) content!: StoreResponseDto[];
}

export class StoreListQueryDto extends PageQueryDto {}
