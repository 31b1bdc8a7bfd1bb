import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { Length } from '../../common/validation/length';
import { SignalDto, SIGNALS_DESCRIPTION } from '../../signals/dto/signal.dto';
import { StoreParams } from '../../stores/dto/store.dto';
import { PageMetaDto } from '../../common/pagination/page';
import { EXTERNAL_ID } from '../../users/dto/user.dto';
import { authenticatorName } from '../webauthn/aaguid-names';
import { PasskeyEntity, PasskeyStatus } from './passkey.entity';

export class UserPasskeysParams extends StoreParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId!: string;
}

export class ExtUserPasskeysParams extends StoreParams {
  @ApiProperty({ example: 'cust-1001' })
  @Matches(EXTERNAL_ID, { message: 'userExtId must be an external id' })
  userExtId!: string;
}

export class PasskeyParams extends UserPasskeysParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  passkeyId!: string;
}

export class ExtPasskeyParams extends ExtUserPasskeysParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  passkeyId!: string;
}

export class UpdatePasskeyDto {
  @ApiPropertyOptional({ example: 'Work laptop' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  displayName?: string;

  @ApiPropertyOptional({
    enum: PasskeyStatus,
    enumName: 'PasskeyStatus',
    description: 'SUSPENDED and REVOKED passkeys cannot authenticate',
    example: PasskeyStatus.SUSPENDED,
  })
  @IsOptional()
  @IsEnum(PasskeyStatus)
  status?: PasskeyStatus;
}

export class PasskeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'base64url' }) credentialId!: string;
  @ApiProperty({ example: 'localhost' }) rpId!: string;
  @ApiProperty({ example: 'Passkey' }) displayName!: string;
  @ApiProperty({ enum: PasskeyStatus, enumName: 'PasskeyStatus' }) status!: PasskeyStatus;
  @ApiProperty({ type: 'integer', description: 'COSE algorithm', example: -7 }) algorithm!: number;
  @ApiProperty({ format: 'uuid' }) aaguid!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'YubiKey 5 Series',
    description: "From the model's metadata statement; only when the attestation is trusted",
  })
  authenticatorName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Apple Passwords',
    description:
      'What the AAGUID claims to be (the community AAGUID list); not proven: any authenticator can send any AAGUID',
  })
  claimedAuthenticatorName!: string | null;
  @ApiProperty({ type: [String], example: ['internal', 'hybrid'] }) transports!: string[];
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'BE flag: the credential can be synced. null: not known (a passkey imported without it) until its first sign-in records what the authenticator says',
  })
  backupEligible!: boolean | null;
  @ApiProperty() backedUp!: boolean;
  @ApiProperty({ example: 'none' }) attestationFormat!: string;
  @ApiProperty({ description: 'The attestation statement verified (false for fmt none)' })
  attestationVerified!: boolean;
  @ApiProperty({ description: "It chained to a root of the AAGUID's metadata statement" })
  attestationTrusted!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the trusted root, hex' })
  attestationRootSha256!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'CN=Yubico U2F Root CA Serial 457200631' })
  attestationRootSubject!: string | null;
  @ApiProperty({ type: 'integer', example: 3 }) signCount!: number;
  @ApiProperty({ type: 'integer', example: 3 }) useCount!: number;
  @ApiProperty({ type: 'integer', example: 0 }) counterRegressions!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;

  static from(p: PasskeyEntity & { rpId: string }): PasskeyResponseDto {
    return {
      id: p.id,
      credentialId: p.credentialId,
      rpId: p.rpId,
      displayName: p.displayName,
      status: p.status,
      algorithm: p.algorithm,
      aaguid: p.aaguid,
      authenticatorName: p.authenticatorName,
      claimedAuthenticatorName: authenticatorName(p.aaguid),
      transports: p.transports,
      backupEligible: p.backupEligible,
      backedUp: p.backedUp,
      attestationFormat: p.attestationFormat,
      attestationVerified: p.attestationVerified,
      attestationTrusted: p.attestationTrusted,
      attestationRootSha256: p.attestationRootSha256,
      attestationRootSubject: p.attestationRootSubject,
      signCount: p.signCounter,
      useCount: p.useCount,
      counterRegressions: p.counterRegressions,
      createdAt: p.createdAt.toISOString(),
      lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
    };
  }
}

/** A changed passkey, with the Signal API payloads that bring the user's passkey managers in line. */
export class PasskeyPageDto extends PageMetaDto {
  @ApiProperty({ type: [PasskeyResponseDto] }) content!: PasskeyResponseDto[];
}

export class PasskeyWithSignalsDto extends PasskeyResponseDto {
  @ApiProperty({ type: [SignalDto], description: SIGNALS_DESCRIPTION })
  signals!: SignalDto[];
}
