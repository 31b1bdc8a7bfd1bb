import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { Length, MaxLength } from '../../common/validation/length';
import { applyDecorators } from '@nestjs/common';

/** base64url without padding, bounded. */
export const IsBase64Url = (max: number, min = 1) =>
  applyDecorators(
    IsString(),
    MaxLength(max),
    Matches(new RegExp(`^[A-Za-z0-9_-]{${min},}$`), {
      message: '$property must be base64url (A-Z a-z 0-9 - _, no padding)',
    }),
  );

/**
 * base64url as browsers write it: no padding, and the unused bits of the last character zero.
 * Another spelling of the same bytes ("AB" for "AA") is refused where the value is kept and later
 * compared as a string with what a browser sends (a user handle, a challenge): stored as given, it
 * would never match, and two spellings would pass a unique index as two values.
 */
export const IsCanonicalBase64Url = (max: number, min = 1) =>
  applyDecorators(
    IsString(),
    Length(min, max),
    Matches(/^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]|[A-Za-z0-9_-][AQgw])?$/, {
      message: '$property must be canonical base64url (as browsers write it, no padding)',
    }),
  );

const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

export class AssertionResponseDto {
  @ApiProperty({ description: 'base64url', example: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0' })
  @IsBase64Url(16384)
  clientDataJSON!: string;

  @ApiProperty({
    description: 'base64url',
    example: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
  })
  @IsBase64Url(16384, 50)
  authenticatorData!: string;

  @ApiProperty({ description: 'base64url', example: 'MEUCIQDk3x0aW5n1c2lnbmF0dXJlZXhhbXBsZQ' })
  @IsBase64Url(2048, 16)
  signature!: string;

  @ApiPropertyOptional({
    description: 'base64url; present for discoverable credentials (null: absent)',
    type: String,
    nullable: true,
    example: 'q7V9pS3u0g2cS3J0b2x4Yk1mQ2k1Y2hZQ0x4d2JQeE0',
  })
  @IsOptional()
  @IsBase64Url(88)
  userHandle?: string | null;
}

/** The fields every PublicKeyCredential.toJSON() has. */
class CredentialJsonDto {
  @ApiProperty({ description: 'Credential id, base64url', example: 'Zm9vYmFyYmF6cXV4' })
  @IsBase64Url(1400, 16)
  id!: string;

  @ApiProperty({ description: 'Same as id', example: 'Zm9vYmFyYmF6cXV4' })
  @IsBase64Url(1400, 16)
  rawId!: string;

  @ApiProperty({ enum: ['public-key'], example: 'public-key' })
  @Equals('public-key')
  type!: 'public-key';

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  @IsObject()
  clientExtensionResults!: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ['platform', 'cross-platform'],
    nullable: true,
    description: 'null: absent (browsers report null when unknown)',
    example: 'platform',
  })
  @IsOptional()
  @IsIn(['platform', 'cross-platform'])
  authenticatorAttachment?: 'platform' | 'cross-platform' | null;
}

export class AuthenticationCredentialDto extends CredentialJsonDto {
  @ApiProperty({ type: AssertionResponseDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AssertionResponseDto)
  response!: AssertionResponseDto;
}

export class AttestationResponseDto {
  @ApiProperty({ description: 'base64url', example: 'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0' })
  @IsBase64Url(16384)
  clientDataJSON!: string;

  @ApiProperty({
    description: 'base64url CBOR',
    example: 'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVhJSZYN5YgOjGh0NBcPZHZgW4',
  })
  @IsBase64Url(65536, 50)
  attestationObject!: string;

  @ApiPropertyOptional({
    type: [String],
    enum: TRANSPORTS,
    nullable: true,
    description: 'null: absent',
    example: ['internal', 'hybrid'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(TRANSPORTS, { each: true })
  transports?: string[] | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    description: 'null: absent',
    example: -7,
  })
  @IsOptional()
  @IsInt()
  publicKeyAlgorithm?: number | null;

  @ApiPropertyOptional({
    description: 'base64url SPKI (null: absent, as getPublicKey() gives for an unknown algorithm)',
    type: String,
    nullable: true,
  })
  @IsOptional()
  @IsBase64Url(4096)
  publicKey?: string | null;

  @ApiPropertyOptional({ description: 'base64url (null: absent)', type: String, nullable: true })
  @IsOptional()
  @IsBase64Url(16384)
  authenticatorData?: string | null;
}

export class RegistrationCredentialDto extends CredentialJsonDto {
  @ApiProperty({ type: AttestationResponseDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AttestationResponseDto)
  response!: AttestationResponseDto;
}

export class CompleteAuthenticationDto {
  @ApiProperty({
    type: AuthenticationCredentialDto,
    description: "The browser's PublicKeyCredential, as toJSON() gives it",
  })
  @IsObject()
  @ValidateNested()
  @Type(() => AuthenticationCredentialDto)
  clientResponse!: AuthenticationCredentialDto;
}

export class CompleteRegistrationDto {
  @ApiProperty({
    type: RegistrationCredentialDto,
    description: "The browser's PublicKeyCredential, as toJSON() gives it",
  })
  @IsObject()
  @ValidateNested()
  @Type(() => RegistrationCredentialDto)
  clientResponse!: RegistrationCredentialDto;
}
