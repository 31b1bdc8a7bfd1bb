import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsString } from 'class-validator';
import { MaxLength } from '../../common/validation/length';

export class LoadMetadataBlobDto {
  @ApiProperty({
    description:
      'The FIDO MDS3 BLOB: the JWT file FIDO publishes (compact JWS with an x5c chain to the ' +
      'configured MDS root). Bounded by the server body limit (IDS_BODY_LIMIT_BYTES); load the ' +
      'full FIDO BLOB from a file at boot (IDS_MDS_BLOB_PATH) or raise the limit',
    example: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsIng1YyI6WyJNSUlI...',
  })
  @IsString()
  @MaxLength(64 * 1024 * 1024)
  blob!: string;
}

export class LoadMetadataStatementsDto {
  @ApiProperty({
    description:
      'FIDO2 metadata statements (FIDO Metadata Statement format: aaguid, description, ' +
      'attestationRootCertificates as base64 DER, ...). A statement wins over the BLOB entry ' +
      'of its AAGUID; status reports come only from the signed BLOB',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [
      {
        aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
        description: 'YubiKey 5 Series',
        attestationRootCertificates: ['MIIDHjCCAgagAwIBAgIEG0BT9zANBgkqhkiG9w0BAQsFADAuMSww...'],
      },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsObject({ each: true })
  statements!: Record<string, unknown>[];
}

export class MetadataBlobInfoDto {
  @ApiProperty({ type: 'integer', example: 42 }) no!: number;
  @ApiProperty({ example: '2026-12-01', description: 'YYYY-MM-DD' }) nextUpdate!: string;
  @ApiProperty({ type: 'integer', example: 160, description: 'FIDO2 entries kept' })
  entries!: number;
  @ApiProperty({ type: String, format: 'date-time' }) loadedAt!: string;
}

export class MetadataStatusDto {
  @ApiProperty({ type: MetadataBlobInfoDto, nullable: true }) blob!: MetadataBlobInfoDto | null;
  @ApiProperty({ type: 'integer', example: 2, description: 'Statements loaded one by one' })
  statements!: number;
}

export class MetadataLoadedDto {
  @ApiProperty({ type: 'integer', example: 160 }) loaded!: number;
  @ApiProperty({
    type: 'integer',
    example: 3,
    description: 'BLOB entries left out (no AAGUID, or unusable)',
  })
  skipped!: number;
  @ApiProperty({ type: MetadataStatusDto }) status!: MetadataStatusDto;
}
