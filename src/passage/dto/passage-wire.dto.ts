import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Length } from '../../common/validation/length';
import { EXTERNAL_ID } from '../../users/dto/user.dto';
import { APP_ID_PATTERN } from './passage-app.dto';

/**
 * The shapes of Passage's own API (snake_case), as its SDKs send and read them: the browser
 * SDK `@passageidentity/passage-flex-js` 1.0.2 and the backend SDK `passage-flex-node`.
 */

const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * Where a transaction is optional, "" is none too: the Flutter plugin's native side takes no null,
 * so an empty string is its only way to sign in without one.
 */
const TRANSACTION_ID_OR_NONE = /^[A-Za-z0-9_-]{0,64}$/;
const NONCE = /^[A-Za-z0-9_-]{1,128}$/;

export class PassageAppIdParams {
  @ApiProperty({ name: 'appId', example: 'cJjFaJ8nwHQA3mxVhR9g1bGk' })
  @IsString()
  @Matches(APP_ID_PATTERN, { message: 'app id must be 1-64 of A-Z a-z 0-9 _ -' })
  appId!: string;
}

export class PassageUserParams extends PassageAppIdParams {
  @ApiProperty({ example: '0b7f3d0e-6f5a-4c8e-9d2b-2f1e4f5a6b7c' })
  @IsString()
  @Length(1, 64)
  userId!: string;
}

export class PassageDeviceParams extends PassageUserParams {
  @ApiProperty({ example: '5a1c7e0e-6f5a-4c8e-9d2b-2f1e4f5a6b7c' })
  @IsString()
  @Length(1, 64)
  deviceId!: string;
}

// ---- browser ----

export class PassageRegisterStartDto {
  @ApiProperty({ description: 'From the backend: POST /apps/{appId}/transactions/register' })
  @IsString()
  @Matches(TRANSACTION_ID, { message: 'transaction_id is not a transaction id' })
  transaction_id!: string;

  @ApiPropertyOptional({
    enum: ['platform', 'cross-platform', 'any'],
    description: 'Sent by the SDK; the registration policy decides (it is not applied)',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @Length(0, 32)
  authenticator_attachment?: string | null;
}

export class PassageAuthenticateStartDto {
  @ApiPropertyOptional({
    description: 'From the backend; absent, null or "": a username-less (or autofill) sign-in',
    type: String,
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @Matches(TRANSACTION_ID_OR_NONE, { message: 'transaction_id is not a transaction id' })
  transaction_id?: string | null;
}

export class PassageFinishDto {
  @ApiProperty({ description: 'handshake.id of the start' })
  @IsString()
  @Matches(TRANSACTION_ID, { message: 'handshake_id is not a handshake id' })
  handshake_id!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The credential as the SDK sends it (transports at the top level, no clientExtensionResults, ' +
      'userHandle "" when absent) or as PublicKeyCredential.toJSON()',
  })
  @IsObject()
  handshake_response!: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'The transaction, when the start had one (null or "": none)',
    type: String,
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @Matches(TRANSACTION_ID_OR_NONE, { message: 'transaction_id is not a transaction id' })
  transaction_id?: string | null;
}

class PassageChallengeDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON',
  })
  publicKey!: Record<string, unknown>;
}

class PassageHandshakeDto {
  @ApiProperty({ description: 'Send it back to finish; it names the ceremony on its own' })
  id!: string;
  @ApiProperty({ type: PassageChallengeDto }) challenge!: PassageChallengeDto;
}

export class PassageStartResponseDto {
  @ApiProperty({ type: PassageHandshakeDto }) handshake!: PassageHandshakeDto;
  @ApiProperty() transaction_id!: string;
}

export class PassageNonceDto {
  @ApiProperty({
    description: 'Single use; the backend redeems it with POST /apps/{appId}/authenticate/verify',
  })
  nonce!: string;
}

// ---- backend ----

export class PassageRegisterTransactionDto {
  @ApiProperty({ example: 'user-42', description: 'Your id of the user; created when new' })
  @IsString()
  @Length(1, 255)
  @Matches(EXTERNAL_ID, {
    message: 'external_id must have no whitespace, / \\ ? # % or control characters',
  })
  external_id!: string;

  @ApiProperty({ example: 'jane@example.com', description: 'The name authenticators show' })
  @IsString()
  @Length(1, 255)
  passkey_display_name!: string;
}

export class PassageAuthenticateTransactionDto {
  @ApiProperty({ example: 'user-42' })
  @IsString()
  @Length(1, 255)
  @Matches(EXTERNAL_ID, {
    message: 'external_id must have no whitespace, / \\ ? # % or control characters',
  })
  external_id!: string;
}

export class PassageTransactionDto {
  @ApiProperty() transaction_id!: string;
}

export class PassageVerifyNonceDto {
  @ApiProperty()
  @IsString()
  @Matches(NONCE, { message: 'nonce is not a nonce' })
  nonce!: string;
}

export class PassageVerifiedDto {
  @ApiProperty({ example: 'user-42' }) external_id!: string;
  @ApiProperty({
    description:
      "Identity Store's signed result token (ES256, the tenant's JWKS): what the ceremony proved. Passage had none",
  })
  result_token!: string;
}

export class PassageUsersQueryDto {
  @ApiPropertyOptional({
    description: "An external id (exact match; Passage's operators are not supported)",
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  identifier?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  page?: number;
}

class PassageIconsDto {
  @ApiProperty({ type: String, nullable: true }) light!: string | null;
  @ApiProperty({ type: String, nullable: true }) dark!: string | null;
}

export class PassageDeviceDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'The credential id, base64url' }) cred_id!: string;
  @ApiProperty() friendly_name!: string;
  @ApiProperty({ enum: ['passkey', 'security_key', 'platform'] }) type!: string;
  @ApiProperty({ type: 'integer' }) usage_count!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: "The last sign-in; `0001-01-01T00:00:00Z` (Go's zero time, as Passage) for none",
  })
  last_login_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: PassageIconsDto }) icons!: PassageIconsDto;
}

export class PassageUserItemDto {
  @ApiProperty() id!: string;
  @ApiProperty() external_id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() email_verified!: boolean;
  @ApiProperty() phone!: string;
  @ApiProperty() phone_verified!: boolean;
  @ApiProperty({ enum: ['active', 'inactive', 'pending'] }) status!: string;
  @ApiProperty({ type: 'integer' }) login_count!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: "The last sign-in; `0001-01-01T00:00:00Z` (Go's zero time, as Passage) for none",
  })
  last_login_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  user_metadata!: Record<string, unknown> | null;
}

export class PassageUserInfoDto extends PassageUserItemDto {
  @ApiProperty({ description: 'The user has a passkey at the app' }) webauthn!: boolean;
  @ApiProperty({ type: [PassageDeviceDto] }) webauthn_devices!: PassageDeviceDto[];
  @ApiProperty({ type: [String], enum: ['passkey', 'security_key', 'platform'] })
  webauthn_types!: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Always empty: read the audit log (GET /api/identity-store/auditEvents)',
  })
  recent_events!: Record<string, unknown>[];
  @ApiProperty({ type: 'object', additionalProperties: true }) social_connections!: Record<
    string,
    unknown
  >;
}

export class PassageUserDto {
  @ApiProperty({ type: PassageUserInfoDto }) user!: PassageUserInfoDto;
}

class PassageLinkDto {
  @ApiProperty() href!: string;
}

class PassageLinksDto {
  @ApiProperty({ type: PassageLinkDto }) first!: PassageLinkDto;
  @ApiProperty({ type: PassageLinkDto }) last!: PassageLinkDto;
  @ApiProperty({ type: PassageLinkDto }) next!: PassageLinkDto;
  @ApiProperty({ type: PassageLinkDto }) previous!: PassageLinkDto;
  @ApiProperty({ type: PassageLinkDto }) self!: PassageLinkDto;
}

export class PassageUserListDto {
  @ApiProperty({ type: PassageLinksDto }) _links!: PassageLinksDto;
  @ApiProperty({ type: 'integer' }) created_before!: number;
  @ApiProperty({ type: 'integer' }) limit!: number;
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty({ type: 'integer' }) total_users!: number;
  @ApiProperty({ type: [PassageUserItemDto] }) users!: PassageUserItemDto[];
}

export class PassageDeviceListDto {
  @ApiProperty({ type: [PassageDeviceDto] }) devices!: PassageDeviceDto[];
}

export class PassageErrorDto {
  @ApiProperty({ description: "Passage's code where it had one, else ours in lower case" })
  code!: string;
  @ApiProperty({ description: 'What went wrong (the SDKs show this)' }) error!: string;
}
