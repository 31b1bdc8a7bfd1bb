import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Capability, Public } from '../auth/public.decorator';

const PASSAGE_CAPABILITY =
  'the app id (public) and the transaction id your backend minted (256 random bits, single use, expires): it runs that one ceremony; the nonce is redeemed only by your backend (per-IP rate limit)';
const PASSAGE_AUTHENTICATE_CAPABILITY =
  "the app id (public), and the transaction id your backend minted or none: without one, a username-less sign-in at the app's relying party whose nonce only your backend can redeem (per-IP rate limit)";
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import {
  AUTHENTICATION_START,
  AUTHENTICATION_START_FOR_USER,
  AUTHENTICATION_VERIFICATION,
  REGISTRATION_START,
  REGISTRATION_VERIFICATION,
  SESSION_CLAIM,
} from '../passkeys/ceremony-failures';
import {
  PassageAppIdParams,
  PassageAuthenticateStartDto,
  PassageFinishDto,
  PassageNonceDto,
  PassageRegisterStartDto,
  PassageStartResponseDto,
} from './dto/passage-wire.dto';
import { PassageErrors } from './passage-errors.decorator';
import { PassageService } from './passage.service';

const from = (request: FastifyRequest) => ({ requestId: String(request.id), ip: request.ip });

/** What every browser route answers about the transaction and its tenant. */
const TRANSACTION = [
  ErrorCode.RATE_LIMITED,
  ErrorCode.PASSAGE_APP_NOT_FOUND,
  ErrorCode.TRANSACTION_NOT_FOUND,
  ErrorCode.TRANSACTION_EXPIRED,
  ErrorCode.TRANSACTION_ALREADY_COMPLETED,
  ErrorCode.TENANT_NOT_FOUND,
  ErrorCode.TENANT_SUSPENDED,
];

/**
 * The four calls of the Passkey Flex browser SDK (`https://auth.passage.id/v1` → here). No API
 * key: the transaction id (or, username-less, the public app id) is the capability, as on
 * `/api/identity-store/browser`. CORS answers the app's relying party's origins only.
 */
@ApiTags('Passage compatibility (browser)')
@PassageErrors()
@Public()
@Controller('passage/v1/apps/:appId')
export class PassageBrowserController {
  constructor(private readonly passage: PassageService) {}

  @Post('register/transactions/webauthn/start')
  @Capability(PASSAGE_CAPABILITY)
  @HttpCode(200)
  @ApiOperation({ summary: "Start a register transaction's ceremony (passkey.register)" })
  @ApiOkResponse({ type: PassageStartResponseDto })
  @Fails(
    ...TRANSACTION,
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
    ...REGISTRATION_START,
  )
  passageRegisterStart(
    @Param() p: PassageAppIdParams,
    @Body() body: PassageRegisterStartDto,
    @Req() request: FastifyRequest,
  ): Promise<PassageStartResponseDto> {
    return this.passage.registerStart(p.appId, body, from(request));
  }

  @Post('register/transactions/webauthn/finish')
  @Capability(PASSAGE_CAPABILITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Finish the registration: a single-use nonce for the backend' })
  @ApiOkResponse({ type: PassageNonceDto })
  @Fails(
    ...TRANSACTION,
    ErrorCode.TRANSACTION_NOT_STARTED,
    ...SESSION_CLAIM,
    ...REGISTRATION_VERIFICATION,
  )
  passageRegisterFinish(
    @Param() p: PassageAppIdParams,
    @Body() body: PassageFinishDto,
    @Req() request: FastifyRequest,
  ): Promise<PassageNonceDto> {
    return this.passage.registerFinish(p.appId, body, from(request));
  }

  @Post('authenticate/transactions/webauthn/start')
  @Capability(PASSAGE_AUTHENTICATE_CAPABILITY)
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Start an authentication (passkey.authenticate): of the transaction's user, or username-less without one",
  })
  @ApiOkResponse({ type: PassageStartResponseDto })
  @Fails(
    ...TRANSACTION,
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
    ErrorCode.NO_PASSKEYS,
    ErrorCode.DISCOVERABLE_NOT_ALLOWED,
    ...AUTHENTICATION_START,
    ...AUTHENTICATION_START_FOR_USER,
  )
  passageAuthenticateStart(
    @Param() p: PassageAppIdParams,
    @Body() body: PassageAuthenticateStartDto,
    @Req() request: FastifyRequest,
  ): Promise<PassageStartResponseDto> {
    return this.passage.authenticateStart(p.appId, body, from(request));
  }

  @Post('authenticate/transactions/webauthn/finish')
  @Capability(PASSAGE_CAPABILITY)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Finish the authentication (the handshake id alone names it): a single-use nonce',
  })
  @ApiOkResponse({ type: PassageNonceDto })
  @Fails(
    ...TRANSACTION,
    ErrorCode.TRANSACTION_NOT_STARTED,
    ...SESSION_CLAIM,
    ...AUTHENTICATION_VERIFICATION,
  )
  passageAuthenticateFinish(
    @Param() p: PassageAppIdParams,
    @Body() body: PassageFinishDto,
    @Req() request: FastifyRequest,
  ): Promise<PassageNonceDto> {
    return this.passage.authenticateFinish(p.appId, body, from(request));
  }
}
