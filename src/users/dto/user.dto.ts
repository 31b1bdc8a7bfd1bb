import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsEmail, IsEnum, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { Length, MaxLength } from '../../common/validation/length';
import { PageMetaDto } from '../../common/pagination/page';
import { CursorPageMetaDto, CursorPageQueryDto } from '../../common/pagination/cursor';
import { IsLocale, IsStringMap, IsTimeZone } from '../../common/validation/validators';
import { SignalDto } from '../../signals/dto/signal.dto';
import { StoreParams } from '../../stores/dto/store.dto';
import { UserEntity } from '../user.entity';
import { effectiveStatus, UserStatus } from '../../stores/user-status';

/** Printable, no whitespace, no characters that would fight with URLs. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
export const EXTERNAL_ID = /^[^\s/\\?#%\x00-\x1f\x7f]{1,255}$/;

/**
 * External ids a new (or renamed) user may not take: `.` and `..` are path segments URL clients
 * (fetch, browsers) remove, so that user's `/ext` routes could not be reached (review). Lookups
 * keep EXTERNAL_ID: users that already have one stay reachable by the routes taking it in a body.
 */
export function unreachableExternalId(externalId: string): boolean {
  return externalId === '.' || externalId === '..';
}

export class CreateUserDto {
  @ApiProperty({
    description: "Your system's id for the user; unique in the store",
    example: 'cust-1001',
  })
  @IsString()
  @Matches(EXTERNAL_ID, {
    message: 'externalId must be 1-255 characters without spaces, /, \\, ?, # or %',
  })
  externalId!: string;

  @ApiProperty({ example: 'jane@example.com' })
  @IsString()
  @Length(1, 255)
  userName!: string;

  @ApiPropertyOptional({ description: 'Defaults to userName', example: 'Jane Doe' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  displayName?: string;

  @ApiPropertyOptional({
    enum: UserStatus,
    enumName: 'UserStatus',
    description: "Default: the store's defaultUserStatus",
    example: UserStatus.ACTIVE,
  })
  @IsOptional()
  @IsEnum(UserStatus)
  status?: UserStatus;

  @ApiPropertyOptional({ description: 'Free classification; default USER', example: 'CUSTOMER' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'type must be 1-64 characters of letters, digits, _ and -',
  })
  type?: string;

  @ApiPropertyOptional({
    description: "BCP 47 tag, at most 35 characters; default: the store's",
    example: 'en-US',
  })
  @IsOptional()
  @MaxLength(35)
  @IsLocale()
  locale?: string;

  @ApiPropertyOptional({
    description: "IANA time zone; default: the store's",
    example: 'Europe/Berlin',
  })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ example: 'Jane', type: String, nullable: true, description: 'null: none' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  firstName?: string | null;

  @ApiPropertyOptional({ example: 'Doe', type: String, nullable: true, description: 'null: none' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  lastName?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: 'jane@example.com',
    nullable: true,
    description: 'null: none',
  })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Up to 50 string attributes (keys named like members of every JavaScript object, such as constructor or toString, are refused)',
    example: { tier: 'gold' },
  })
  @IsOptional()
  @IsStringMap(50, 1024)
  attributes?: Record<string, string>;
}

export class UpdateUserDto extends PartialType(CreateUserDto) {}

export class UserIdParams extends StoreParams {
  @ApiProperty({ format: 'uuid', example: '9b2f0c1e-6d4a-4e8b-9f1a-2c3d4e5f6a7b' })
  @IsUUID()
  userId!: string;
}

export class UserExtIdParams extends StoreParams {
  @ApiProperty({ example: 'cust-1001' })
  @IsString()
  @Matches(EXTERNAL_ID, { message: 'userExtId must be an external id' })
  userExtId!: string;
}

export class UserListQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ description: 'Exact external id', example: 'cust-1001' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  externalId?: string;

  @ApiPropertyOptional({ enum: UserStatus, enumName: 'UserStatus' })
  @IsOptional()
  @IsEnum(UserStatus)
  status?: UserStatus;

  @ApiPropertyOptional({
    description: 'User name, case-insensitive exact match',
    example: 'jane@example.com',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  userName?: string;

  @ApiPropertyOptional({
    description:
      'Free text: case-insensitive prefix of userName, displayName or email, or an exact externalId',
    example: 'jane',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  q?: string;
}

export class UserLockStateDto {
  @ApiProperty({ type: 'integer', example: 0 }) failedAttempts!: number;
  @ApiProperty({ type: 'integer', example: 0 }) lockCount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) tempLockedUntil!:
    string | null;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'cust-1001' }) externalId!: string;
  @ApiProperty({ example: 'jane@example.com' }) userName!: string;
  @ApiProperty({ example: 'Jane Doe' }) displayName!: string;
  @ApiProperty({
    enum: UserStatus,
    enumName: 'UserStatus',
    description: 'A TEMP_LOCKED user whose lock has expired shows ACTIVE',
  })
  status!: UserStatus;
  @ApiProperty({ example: 'USER' }) type!: string;
  @ApiProperty({ example: 'en-US' }) locale!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timeZone!: string;
  @ApiProperty({ type: String, nullable: true }) firstName!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastName!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) attributes!: Record<
    string,
    string
  >;
  @ApiProperty({ type: UserLockStateDto }) lock!: UserLockStateDto;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAuthenticatedAt!:
    string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(u: UserEntity, now = Date.now()): UserResponseDto {
    return {
      id: u.id,
      externalId: u.externalId,
      userName: u.userName,
      displayName: u.displayName,
      status: effectiveStatus(u, now),
      type: u.type,
      locale: u.locale,
      timeZone: u.timeZone,
      firstName: u.firstName,
      lastName: u.lastName,
      email: u.email,
      attributes: u.attributes,
      lock: {
        failedAttempts: u.failedAttempts,
        lockCount: u.lockCount,
        tempLockedUntil: u.tempLockedUntil?.toISOString() ?? null,
      },
      lastAuthenticatedAt: u.lastAuthenticatedAt?.toISOString() ?? null,
      createdAt: u.createdAt.toISOString(),
      updatedAt: u.updatedAt.toISOString(),
    };
  }
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserResponseDto] }) content!: UserResponseDto[];
}

/** A keyset page (`after`/`limit`). */
export class UserCursorPageDto extends CursorPageMetaDto {
  @ApiProperty({ type: [UserResponseDto] }) content!: UserResponseDto[];
}

/** An updated user, with the Signal API payloads a new userName or displayName calls for. */
export class UserWithSignalsDto extends UserResponseDto {
  @ApiPropertyOptional({
    type: [SignalDto],
    description:
      'Only when userName or displayName changed and the user has a relying party: for every ' +
      'relying party at which the user has a user handle, signalAllAcceptedCredentials and ' +
      "signalCurrentUserDetails; hand them to the user's browser (client.js applySignals)",
  })
  signals?: SignalDto[];
}
