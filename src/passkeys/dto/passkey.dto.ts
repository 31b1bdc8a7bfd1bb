import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { StoreParams } from '../../stores/dto/store.dto';
import { EXTERNAL_ID } from '../../users/dto/user.dto';
import { authenticatorName } from '../ceremony/aaguid-names';
import { PasskeyEntity, PasskeyStatus } from '../passkey.entity';

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
  @ApiProperty({ description: 'COSE algorithm', example: -7 }) algorithm!: number;
  @ApiProperty({ format: 'uuid' }) aaguid!: string;
  @ApiProperty({ type: String, nullable: true, example: 'iCloud Keychain' }) authenticatorName!:
    string | null;
  @ApiProperty({ type: [String], example: ['internal', 'hybrid'] }) transports!: string[];
  @ApiProperty() backupEligible!: boolean;
  @ApiProperty() backedUp!: boolean;
  @ApiProperty({ example: 'none' }) attestationFormat!: string;
  @ApiProperty({ example: 3 }) signCount!: number;
  @ApiProperty({ example: 3 }) useCount!: number;
  @ApiProperty({ example: 0 }) counterRegressions!: number;
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
      authenticatorName: authenticatorName(p.aaguid),
      transports: p.transports,
      backupEligible: p.backupEligible,
      backedUp: p.backedUp,
      attestationFormat: p.attestationFormat,
      signCount: p.signCounter,
      useCount: p.useCount,
      counterRegressions: p.counterRegressions,
      createdAt: p.createdAt.toISOString(),
      lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
    };
  }
}
