import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { SIGNAL_METHODS, SignalMethod } from '../signals';

export class UnknownCredentialOptionsDto {
  @ApiProperty({ example: 'shop.example.com' }) rpId!: string;
  @ApiProperty({ description: 'base64url', example: 'Zm9vYmFyYmF6cXV4' }) credentialId!: string;
}

export class AllAcceptedCredentialsOptionsDto {
  @ApiProperty({ example: 'shop.example.com' }) rpId!: string;
  @ApiProperty({
    description:
      "The user's WebAuthn user handle at the relying party (user.id of the registration " +
      "options), base64url; not the store's user id",
    example: 'q7V9pS3u0g2cS3J0b2x4Yk1mQ2k1Y2hZQ0x4d2JQeE0',
  })
  userId!: string;
  @ApiProperty({
    type: [String],
    description:
      "base64url ids of the user's ACTIVE and SUSPENDED passkeys at the relying party (REVOKED " +
      'ones are left out); empty when none is left',
    example: ['Zm9vYmFyYmF6cXV4'],
  })
  allAcceptedCredentialIds!: string[];
}

export class CurrentUserDetailsOptionsDto {
  @ApiProperty({ example: 'shop.example.com' }) rpId!: string;
  @ApiProperty({ description: 'The WebAuthn user handle, base64url' }) userId!: string;
  @ApiProperty({ description: "The user's userName (user.name at registration)" }) name!: string;
  @ApiProperty({ description: "The user's displayName" }) displayName!: string;
}

/**
 * One call of the WebAuthn Signal API: the page runs `PublicKeyCredential[method](options)`
 * (client.js: `applySignals(signals)`), which tells the user's passkey manager what the store
 * knows.
 */
@ApiExtraModels(
  UnknownCredentialOptionsDto,
  AllAcceptedCredentialsOptionsDto,
  CurrentUserDetailsOptionsDto,
)
export class SignalDto {
  @ApiProperty({
    enum: SIGNAL_METHODS,
    enumName: 'SignalMethod',
    description: 'The static method of PublicKeyCredential to call',
    example: 'signalAllAcceptedCredentials',
  })
  method!: SignalMethod;

  @ApiProperty({
    description:
      'Its argument, exactly as the method takes it: UnknownCredentialOptions, ' +
      'AllAcceptedCredentialsOptions or CurrentUserDetailsOptions (W3C WebAuthn L3)',
    oneOf: [
      { $ref: getSchemaPath(UnknownCredentialOptionsDto) },
      { $ref: getSchemaPath(AllAcceptedCredentialsOptionsDto) },
      { $ref: getSchemaPath(CurrentUserDetailsOptionsDto) },
    ],
  })
  options!:
    UnknownCredentialOptionsDto | AllAcceptedCredentialsOptionsDto | CurrentUserDetailsOptionsDto;
}

const SIGNALS_DESCRIPTION =
  'WebAuthn Signal API payloads for every relying party at which the user has a user handle: ' +
  "hand them to the user's browser (client.js applySignals) to keep the passkey manager in sync";

/** The signals alone (a deletion with `Prefer: return=representation`, the signals route). */
export class SignalsResponseDto {
  @ApiProperty({ type: [SignalDto], description: SIGNALS_DESCRIPTION })
  signals!: SignalDto[];
}

export { SIGNALS_DESCRIPTION };
