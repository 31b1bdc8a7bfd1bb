import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code';
import { SignalDto } from '../signals/dto/signal.dto';

export class FieldErrorDto {
  @ApiProperty({ example: 'limits.maxStores' })
  field!: string;

  @ApiPropertyOptional({ enum: ['body', 'query', 'path', 'header'], example: 'body' })
  in?: string;

  @ApiProperty({ example: 'maxStores must not be less than 1' })
  message!: string;
}

/** RFC 9457 problem details as every error of this API is shaped. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:identity-store:problem:validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  @ApiProperty({ example: 'limits.maxStores: maxStores must not be less than 1' })
  detail!: string;

  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_FAILED })
  code!: ErrorCode;

  @ApiPropertyOptional({ example: '/api/identity-store/tenants' })
  instance?: string;

  @ApiPropertyOptional({ example: '5f0c6f1e-2f0a-4a8e-9d7e-1c2b3a4d5e6f' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    type: [SignalDto],
    description:
      'Only on CREDENTIAL_NOT_ALLOWED of an authentication completion whose credential id no ' +
      'relying party with this rpId in the tenant knows: a signalUnknownCredential payload for ' +
      "the page to hand to the browser (client.js does it when asked: applyUnknownCredentialSignal), so the passkey manager drops it",
  })
  signals?: SignalDto[];
}
