import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Length } from '../../../common/validation/length';
import { IsTimestamp } from '../../../common/validation/timestamp';
import { IsBase64Url } from '../../dto/client-response.dto';
import { EXTERNAL_ID } from '../../../users/dto/user.dto';
import { PasskeyStatus } from '../../credentials/passkey.entity';

/** The version of the transfer format (docs/schemas/passkey-export.schema.json). */
export const TRANSFER_FORMAT_VERSION = 1;
/** Caps of one import batch (docs/import-export.md). */
export const MAX_IMPORT_USERS = 1000;
export const MAX_IMPORT_PASSKEYS = 5000;
/** The tenant limit `maxPasskeysPerUser` is at most 100: no user can hold more. */
export const MAX_PASSKEYS_PER_USER = 100;
/** An export page: users per page (and never more passkeys than one import batch takes). */
export const DEFAULT_EXPORT_LIMIT = 100;
export const MAX_EXPORT_LIMIT = MAX_IMPORT_USERS;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TRANSPORT = /^[a-z][a-z0-9-]{0,31}$/;
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** One passkey in the transfer format: its public parts only (nothing here is secret). */
export class TransferPasskeyDto {
  @ApiProperty({
    description: 'The relying party the credential is bound to: an rpId of this store',
    example: 'localhost',
  })
  @IsString()
  @Length(1, 253)
  rpId!: string;

  @ApiProperty({
    description: 'Credential id, base64url without padding (1-1023 bytes), as browsers send it',
    example: 'YZf8odqKZoU_-KOIIx5RNv0OKnSMxK7dybSD4eTdqYM',
  })
  @IsBase64Url(1364)
  credentialId!: string;

  @ApiProperty({
    description:
      'The credential public key as a COSE_Key (RFC 9052), base64url: ES256 (P-256), EdDSA (Ed25519) or RS256 (≥ 2048 bits)',
    example:
      'pQECAyYgASFYIN-7YCqc-zYPbu7sLll_Z2foJ65ZndrL0TnREO-f6GXUIlggpNolqtc2CrhCNl7E8A8ig2QaGs0iToUsBFFR42EPicU',
  })
  @IsBase64Url(2048, 8)
  publicKey!: string;

  @ApiProperty({
    type: 'integer',
    description: "COSE algorithm; must be the key's own `alg` (-7, -8 or -257)",
    example: -7,
  })
  @IsInt()
  algorithm!: number;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'The last sign counter seen (0: counter-less, as synced passkeys are)',
    default: 0,
    minimum: 0,
    maximum: 4294967295,
    example: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(4294967295)
  signCounter?: number;

  @ApiPropertyOptional({
    type: [String],
    description: 'Transports the authenticator reported (hints for allowCredentials)',
    example: ['internal', 'hybrid'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(8)
  @Matches(TRANSPORT, { each: true, message: 'each transport must be a lowercase token' })
  transports?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The authenticator model as claimed at registration (default all zeros)',
    example: ZERO_AAGUID,
  })
  @IsOptional()
  @Matches(UUID, { message: 'aaguid must be a UUID' })
  aaguid?: string;

  @ApiPropertyOptional({
    description:
      'BE flag: the credential can be synced. Left out (not known), the first sign-in records what the authenticator says; given, every sign-in must match it',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  backupEligible?: boolean;

  @ApiPropertyOptional({
    description: 'BS flag: the credential is synced (only with backupEligible)',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  backedUp?: boolean;

  @ApiProperty({
    description:
      'The WebAuthn user handle (user.id) the credential was created with, base64url of 1-64 bytes. ' +
      'Authenticators return it on every username-less sign-in, so it must be exactly the original; ' +
      'a user has one handle per relying party',
    example: '0JsEG688qfnzgF9XzTtN2g',
  })
  @IsBase64Url(86, 2)
  userHandle!: string;

  @ApiPropertyOptional({ description: 'Default "Passkey"', example: 'Passkey' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  displayName?: string;

  @ApiPropertyOptional({
    enum: PasskeyStatus,
    enumName: 'PasskeyStatus',
    description: 'Default ACTIVE',
    example: PasskeyStatus.ACTIVE,
  })
  @IsOptional()
  @IsEnum(PasskeyStatus)
  status?: PasskeyStatus;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'When it was registered (default: the import)',
    example: '2025-03-01T12:00:00.000Z',
  })
  @IsOptional()
  @IsTimestamp()
  createdAt?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it last signed in (null: never)',
    example: '2025-12-24T08:30:00.000Z',
  })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsTimestamp()
  lastUsedAt?: string | null;
}

/** A user and their passkeys in the transfer format. */
export class TransferUserDto {
  @ApiProperty({
    description: "Your system's id for the user: matches users of the store",
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

  @ApiProperty({ type: [TransferPasskeyDto], maxItems: MAX_PASSKEYS_PER_USER })
  @IsArray()
  @ArrayMaxSize(MAX_PASSKEYS_PER_USER)
  @ValidateNested({ each: true })
  @Type(() => TransferPasskeyDto)
  passkeys!: TransferPasskeyDto[];
}

export class ImportPasskeysDto {
  @ApiPropertyOptional({
    type: 'integer',
    enum: [TRANSFER_FORMAT_VERSION],
    description: 'The format version (an export says which it wrote)',
    example: TRANSFER_FORMAT_VERSION,
  })
  @IsOptional()
  @IsIn([TRANSFER_FORMAT_VERSION])
  version?: number;

  @ApiProperty({
    type: [TransferUserDto],
    maxItems: MAX_IMPORT_USERS,
    description: `At most ${MAX_IMPORT_USERS} users and ${MAX_IMPORT_PASSKEYS} passkeys in all (an export page's \`users\` as it is)`,
  })
  // each user is validated by the import itself, a few at a time (import-batch.ts: checkBatch)
  @IsArray()
  @ArrayMaxSize(MAX_IMPORT_USERS)
  users!: unknown[];

  @ApiPropertyOptional({
    description:
      'Check and report without writing anything: the answer is 200 with the report, conflicts included',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ExportQueryDto {
  @ApiPropertyOptional({
    description: 'The `next` of the previous page (opaque)',
    example: 'WyJjcmVhdGVkQXQsYXNjIiwiLi4uIiwiLi4uIl0',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,1024}$/, { message: 'after must be the `next` cursor of a page' })
  after?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      'Users per page. A page also ends before it would hold more passkeys than one import takes',
    default: DEFAULT_EXPORT_LIMIT,
    minimum: 1,
    maximum: MAX_EXPORT_LIMIT,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_EXPORT_LIMIT)
  limit?: number;
}

// ---- answers ----

/** Users and their passkeys: what an export answers and an import takes. */
export class PasskeyExportDto {
  @ApiProperty({
    type: 'integer',
    enum: [TRANSFER_FORMAT_VERSION],
    example: TRANSFER_FORMAT_VERSION,
  })
  version!: number;

  @ApiProperty({ type: [TransferUserDto] })
  users!: TransferUserDto[];
}

export class PasskeyExportPageDto extends PasskeyExportDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `after` for the next page; null: this was the last',
  })
  next!: string | null;

  @ApiProperty({ type: 'integer', example: DEFAULT_EXPORT_LIMIT }) limit!: number;
}

export enum ImportOutcome {
  CREATED = 'created',
  UNCHANGED = 'unchanged',
  CONFLICT = 'conflict',
}

/** Why a passkey row conflicts with what the store holds. */
export enum ImportConflictReason {
  /** The credential id is registered at that relying party to another user. */
  CREDENTIAL_OF_ANOTHER_USER = 'CREDENTIAL_OF_ANOTHER_USER',
  /** The credential id is this user's, with another public key. */
  PUBLIC_KEY_MISMATCH = 'PUBLIC_KEY_MISMATCH',
  /** The user already has another handle at that relying party (or the batch gives two). */
  USER_HANDLE_MISMATCH = 'USER_HANDLE_MISMATCH',
  /** The handle is another user's at that relying party. */
  USER_HANDLE_TAKEN = 'USER_HANDLE_TAKEN',
}

export class ImportedPasskeyDto {
  @ApiProperty({ type: 'integer', description: 'Index in the user’s `passkeys`' }) index!: number;
  @ApiProperty({ example: 'localhost' }) rpId!: string;
  @ApiProperty({ description: 'base64url' }) credentialId!: string;
  @ApiProperty({ enum: ImportOutcome, enumName: 'ImportOutcome' }) outcome!: ImportOutcome;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The passkey (created or already there); null for a conflict and in a dry run',
  })
  passkeyId!: string | null;
  @ApiPropertyOptional({ enum: ImportConflictReason, enumName: 'ImportConflictReason' })
  conflict?: ImportConflictReason;
}

export class ImportedUserDto {
  @ApiProperty({ type: 'integer', description: 'Index in `users`' }) index!: number;
  @ApiProperty({ example: 'cust-1001' }) externalId!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The user (created or already there); null for a new user in a dry run',
  })
  userId!: string | null;
  @ApiProperty({
    enum: [ImportOutcome.CREATED, ImportOutcome.UNCHANGED],
    description: 'unchanged: a user of the store with this external id (its profile is kept)',
  })
  outcome!: ImportOutcome.CREATED | ImportOutcome.UNCHANGED;
  @ApiProperty({ type: [ImportedPasskeyDto] }) passkeys!: ImportedPasskeyDto[];
}

export class ImportedUserCountsDto {
  @ApiProperty({ type: 'integer' }) created!: number;
  @ApiProperty({ type: 'integer' }) unchanged!: number;
}

export class ImportedPasskeyCountsDto extends ImportedUserCountsDto {
  @ApiProperty({ type: 'integer' }) conflict!: number;
}

export class ImportReportDto {
  @ApiProperty({ description: 'true: nothing was written' }) dryRun!: boolean;
  @ApiProperty({ type: ImportedUserCountsDto }) userCounts!: ImportedUserCountsDto;
  @ApiProperty({ type: ImportedPasskeyCountsDto }) passkeyCounts!: ImportedPasskeyCountsDto;
  @ApiProperty({ type: [ImportedUserDto] }) users!: ImportedUserDto[];
}
