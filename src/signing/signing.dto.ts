import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { MIN_SIGNING_KEY_OVERLAP_SECONDS } from '../config/app-config';
import { TENANT_ID_PATTERN } from '../auth/permissions';

export class RotateSigningKeyDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 365 * 86400,
    description:
      'How long the retired key stays in the JWKS (seconds); default IDS_SIGNING_KEY_OVERLAP_SECONDS ' +
      `(7 days). At least ${MIN_SIGNING_KEY_OVERLAP_SECONDS} (or IDS_RESULT_TOKEN_TTL_SECONDS + IDS_NONCE_TTL_SECONDS + 360 when more) ` +
      'so tokens it signed keep verifying; 0 withdraws it at once, and every key retired before it that is ' +
      'still published (a compromise: what they signed stops verifying)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365 * 86400)
  overlapSeconds?: number;
}

export class RotatedSigningKeyDto {
  @ApiProperty({ description: 'The new current key: it signs from now on' }) kid!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The key it replaced' })
  retiredKid!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the replaced key stays published',
  })
  retiredKeyExpiresAt!: string | null;
}

export class SigningKeyDto {
  @ApiProperty() kid!: string;
  @ApiProperty({ example: 'ES256' }) algorithm!: string;
  @ApiProperty({ enum: ['CURRENT', 'RETIRED'] }) status!: 'CURRENT' | 'RETIRED';
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) retiredAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when it is published in the JWKS (null: the current key)',
  })
  expiresAt!: string | null;
}

export class SigningKeyListDto {
  @ApiProperty({ type: [SigningKeyDto] }) items!: SigningKeyDto[];
}

export class JwksDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: { type: 'string' } },
    description: 'Public JWKs (kty EC, crv P-256, alg ES256, use sig), current key first',
  })
  keys!: Record<string, string>[];
}

export class JwksParams {
  @ApiProperty({ description: 'Tenant id', example: 'acme' })
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be a tenant id' })
  tenantId!: string;
}
