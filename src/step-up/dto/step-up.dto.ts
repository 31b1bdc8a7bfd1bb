import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { Length } from '../../common/validation/length';
import { TENANT_ID_PATTERN } from '../../auth/permissions';
import { IsPathName } from '../../common/validation/validators';
import { IsBase64Url } from '../../passkeys/dto/client-response.dto';
import { RESULT_TOKEN_DOC } from '../../passkeys/dto/ceremony.dto';
import { AuthenticationPolicyParams } from '../../policies/dto/policy-common.dto';
import { EXTERNAL_ID } from '../../users/dto/user.dto';
import { IsTransactionData, MAX_TRANSACTION_DATA_BYTES } from '../transaction-data';

/** The optional `transactionData` of both kinds of transaction: documented and validated once. */
const TransactionDataProperty = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'object',
      additionalProperties: true,
      description:
        'What the user approves, e.g. {"amount": "100.00", "currency": "EUR", "payee": "ACME"}: a JSON object ' +
        `of at most ${MAX_TRANSACTION_DATA_BYTES} bytes. The challenge commits to it (32 random bytes, then the SHA-256 ` +
        'of its RFC 8785 canonical JSON), so the signed assertion proves this data and no other; the browser ' +
        'start returns it for display, verifyNonce returns it, and the result token carries its hash. Keys named like ' +
        'members of every JavaScript object (constructor, toString, hasOwnProperty, …) are refused (400)',
      example: { amount: '100.00', currency: 'EUR', payee: 'ACME' },
    }),
    IsOptional(),
    IsTransactionData(),
  );

export class CreateRegisterTransactionDto {
  @ApiProperty({
    description:
      'The user; created (userName = externalId) when missing. When a user with this externalId ' +
      'exists, the answer is 409 USER_ALREADY_EXISTS unless `allowExistingUser` is true',
    example: 'cust-1001',
  })
  @IsString()
  @Matches(EXTERNAL_ID, { message: 'externalId must be an external id' })
  externalId!: string;

  @ApiProperty({ description: 'Name of the passkey to be created', example: 'Work laptop' })
  @IsString()
  @Length(1, 255)
  passkeyDisplayName!: string;

  @ApiPropertyOptional({
    description: 'Registration policy; default "default"',
    example: 'default',
  })
  @IsOptional()
  @IsPathName('registrationPolicy')
  registrationPolicy?: string;

  @ApiPropertyOptional({
    description:
      'Default false: the transaction signs up a NEW user, and an existing externalId answers ' +
      '409 USER_ALREADY_EXISTS. Set true only to add a passkey to an account your backend has ' +
      'already authenticated (e.g. the signed-in user): whoever completes the transaction gets ' +
      'a passkey on that account and can sign in as that user',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  allowExistingUser?: boolean;

  @TransactionDataProperty()
  transactionData?: Record<string, unknown>;
}

export class CreateAuthenticateTransactionDto {
  @ApiProperty({ description: 'The user who must prove presence', example: 'cust-1001' })
  @IsString()
  @Matches(EXTERNAL_ID, { message: 'externalId must be an external id' })
  externalId!: string;

  @ApiPropertyOptional({
    description: 'Authentication policy; default "default"',
    example: 'default',
  })
  @IsOptional()
  @IsPathName('authenticationPolicy')
  authenticationPolicy?: string;

  @TransactionDataProperty()
  transactionData?: Record<string, unknown>;
}

export class TransactionDto {
  @ApiProperty({
    description: 'The browser’s only capability: hand it to the browser client',
    example: 'dHhuLWV4YW1wbGUtMDEyMzQ1Njc4OWFiY2RlZmdoaWo',
  })
  transactionId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
}

export class VerifyNonceDto {
  @ApiProperty({
    description: 'The nonce the browser received',
    example: 'bm9uY2UtZXhhbXBsZS0wMTIzNDU2Nzg5YWJjZGVmZ2g',
  })
  @IsBase64Url(86, 43)
  nonce!: string;
}

export class VerifiedNonceDto {
  @ApiProperty({ example: 'cust-1001' }) externalId!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'uuid' }) passkeyId!: string;
  @ApiProperty({ enum: ['register', 'authenticate'] }) kind!: string;
  @ApiProperty() userVerified!: boolean;
  @ApiProperty() backedUp!: boolean;
  @ApiProperty() transactionId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) verifiedAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The transaction data the user signed (null: the transaction had none)',
  })
  transactionData!: Record<string, unknown> | null;
  @ApiProperty({ description: RESULT_TOKEN_DOC })
  resultToken!: string;
}

// ---- browser routes ----

export class TransactionParams {
  @ApiProperty({ example: 'dHhuLWV4YW1wbGUtMDEyMzQ1Njc4OWFiY2RlZmdoaWo' })
  @IsBase64Url(64, 43)
  transactionId!: string;
}

export class BrowserUsernamelessParams extends AuthenticationPolicyParams {
  @ApiProperty({ example: 'acme' })
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be a tenant id' })
  tenantId!: string;
}

export class BrowserStartDto {
  @ApiProperty({
    description: 'Transaction to continue (username-less starts make one)',
    example: 'dHhuLWV4YW1wbGUtMDEyMzQ1Njc4OWFiY2RlZmdoaWo',
  })
  transactionId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Options for navigator.credentials.create() / get()',
  })
  clientRequest!: Record<string, unknown>;
  @ApiProperty({ enum: ['register', 'authenticate'] }) kind!: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'What the user is asked to approve: show it. The challenge ends with the SHA-256 of its canonical JSON',
  })
  transactionData!: Record<string, unknown> | null;
}

export class NonceDto {
  @ApiProperty({
    description: 'Single use; give it to your backend, which redeems it with verifyNonce',
  })
  nonce!: string;
}
