import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUUID } from 'class-validator';
import { Length } from '../../common/validation/length';
import {
  AuthenticationPolicyParams,
  RegistrationPolicyParams,
} from '../../policies/dto/policy-common.dto';
import { StoreParams } from '../../stores/dto/store.dto';
import { IsCanonicalBase64Url } from './client-response.dto';
import { Matches } from 'class-validator';
import { EXTERNAL_ID } from '../../users/dto/user.dto';
import { TENANT_ID_PATTERN } from '../../auth/permissions';
import { CeremonyKind, SessionStatus } from '../sessions/ceremony-session.entity';

// ---- path parameters ----

export class UserAuthenticationParams extends AuthenticationPolicyParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class ExtUserAuthenticationParams extends AuthenticationPolicyParams {
  @ApiProperty({ example: 'acme' })
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be a tenant id' })
  tenantId!: string;

  @ApiProperty({ example: 'cust-1001' })
  @Matches(EXTERNAL_ID, { message: 'userExtId must be an external id' })
  userExtId!: string;
}

export class UserRegistrationParams extends RegistrationPolicyParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class ExtUserRegistrationParams extends RegistrationPolicyParams {
  @ApiProperty({ example: 'acme' })
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be a tenant id' })
  tenantId!: string;

  @ApiProperty({ example: 'cust-1001' })
  @Matches(EXTERNAL_ID, { message: 'userExtId must be an external id' })
  userExtId!: string;
}

export class SessionParams extends StoreParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  sessionId!: string;
}

// ---- bodies ----

const CHALLENGE_DOC = 'base64url, 16-64 bytes; only where the policy allows external challenges';

export class StartAuthenticationDto {
  @ApiPropertyOptional({ description: CHALLENGE_DOC, example: 'dGhpcy1pcy1hLXRlc3QtY2hhbGxlbmdl' })
  @IsOptional()
  @IsCanonicalBase64Url(86, 22)
  challenge?: string;
}

export class StartRegistrationDto {
  @ApiPropertyOptional({
    description: "Name shown by the authenticator; default the user's userName",
    example: 'jane@example.com',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  userName?: string;

  @ApiPropertyOptional({ description: "Default the user's displayName", example: 'Jane Doe' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  displayName?: string;

  @ApiPropertyOptional({
    description:
      'The WebAuthn user handle for this relying party (base64url, 1-64 bytes); by default a random one is made and kept',
    example: 'q7V9pS3u0g2cS3J0b2x4Yk1mQ2k1Y2hZQ0x4d2JQeE0',
  })
  @IsOptional()
  @IsCanonicalBase64Url(86, 2)
  userHandle?: string;

  @ApiPropertyOptional({ description: CHALLENGE_DOC, example: 'dGhpcy1pcy1hLXRlc3QtY2hhbGxlbmdl' })
  @IsOptional()
  @IsCanonicalBase64Url(86, 22)
  challenge?: string;

  @ApiPropertyOptional({
    description: 'Name of the new passkey; default "Passkey"',
    example: 'Work laptop',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  passkeyDisplayName?: string;
}

export class StartExtRegistrationDto extends StartRegistrationDto {
  @ApiPropertyOptional({
    description:
      'Create the user (externalId from the path, userName/displayName from this body) when missing',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  createUser?: boolean;
}

// ---- responses ----

export class StartedCeremonyDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON for the browser',
  })
  clientRequest!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
}

export class AuthenticationOutcomeDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ enum: ['SUCCEEDED'] }) status!: 'SUCCEEDED';
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ example: 'cust-1001' }) externalId!: string;
  @ApiProperty({ format: 'uuid' }) passkeyId!: string;
  @ApiProperty({ description: 'base64url' }) credentialId!: string;
  @ApiProperty() userVerified!: boolean;
  @ApiProperty() backedUp!: boolean;
  @ApiProperty({ description: 'The sign counter did not grow (the FLAG policy lets it pass)' })
  counterRegression!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) authenticatedAt!: string;
}

export class RegistrationOutcomeDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ enum: ['SUCCEEDED'] }) status!: 'SUCCEEDED';
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ example: 'cust-1001' }) externalId!: string;
  @ApiProperty({ format: 'uuid' }) passkeyId!: string;
  @ApiProperty({ description: 'base64url' }) credentialId!: string;
  @ApiProperty() userVerified!: boolean;
  @ApiProperty() backupEligible!: boolean;
  @ApiProperty() backedUp!: boolean;
  @ApiProperty({ format: 'uuid' }) aaguid!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'From the metadata statement; only when the attestation is trusted',
  })
  authenticatorName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'What the AAGUID claims to be (the community AAGUID list); not proven: any authenticator can send any AAGUID',
  })
  claimedAuthenticatorName!: string | null;
  @ApiProperty({ example: 'none' }) attestationFormat!: string;
  @ApiProperty({ description: 'The attestation statement verified (false for fmt none)' })
  attestationVerified!: boolean;
  @ApiProperty({ description: "It chains to a root of the AAGUID's metadata statement" })
  attestationTrusted!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the trusted root, hex' })
  attestationRootSha256!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'CN=Yubico U2F Root CA Serial 457200631' })
  attestationRootSubject!: string | null;
  @ApiProperty({ description: 'The user was created by this registration' }) createdUser!: boolean;
}

/** The result token, as the OpenAPI document describes it (README › Result tokens has the rest). */
export const RESULT_TOKEN_DOC =
  'What was proven, signed: a compact JWS (ES256, `typ` ids-result+jwt, `kid` of the tenant key) that verifies ' +
  "against GET /api/identity-store/{tenantId}/.well-known/jwks.json and no other tenant's. Claims: `iss` (the " +
  'service\'s IDS_PUBLIC_URL), `aud` ("{tenantId}/{storeName}"), `sub` (user id), `tenant_id`, `store`, `rp_id`, ' +
  '`kind` (registration | authentication), `external_id`, `passkey_id`, `uv`, `be`, `bs`, `aaguid` and ' +
  '`attestation` {format, verified, trusted} where known, `txn` and `txn_data_hash` (base64url SHA-256 of ' +
  'the canonical transaction data) for a step-up, `sid` (the ceremony session), `iat`, `exp` (short: ' +
  'IDS_RESULT_TOKEN_TTL_SECONDS; a step-up token adds the nonce lifetime), `jti`';

export class AuthenticationCompletedDto extends AuthenticationOutcomeDto {
  @ApiProperty({ description: RESULT_TOKEN_DOC }) resultToken!: string;
}

export class RegistrationCompletedDto extends RegistrationOutcomeDto {
  @ApiProperty({ description: RESULT_TOKEN_DOC }) resultToken!: string;
}

export class SessionFailureDto {
  @ApiProperty({ example: 'SIGNATURE_INVALID' }) code!: string;
  @ApiProperty() detail!: string;
}

export class CeremonySessionDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ enum: CeremonyKind, enumName: 'CeremonyKind' }) kind!: CeremonyKind;
  @ApiProperty({ enum: SessionStatus, enumName: 'SessionStatus' }) status!: SessionStatus;
  @ApiProperty({ example: 'localhost' }) rpId!: string;
  @ApiProperty({ example: 'default' }) policyName!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) outcome!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: SessionFailureDto, nullable: true }) failure!: SessionFailureDto | null;
}
