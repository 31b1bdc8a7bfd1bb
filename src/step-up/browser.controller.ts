import { Body, Controller, Get, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Capability, Public } from '../auth/public.decorator';

const TRANSACTION_CAPABILITY =
  'the transaction id (256 random bits, minted by your backend with an API key, single use, expires; ends when the minting key is revoked): it runs that one ceremony, and the nonce it yields is redeemed only by your backend (per-IP rate limit)';
import { BROWSER_CLIENT_JS } from './browser-client';
import {
  BrowserStartDto,
  BrowserUsernamelessParams,
  NonceDto,
  TransactionParams,
} from './dto/step-up.dto';
import { StepUpService } from './step-up.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import {
  AUTHENTICATION_START_FOR_USER,
  AUTHENTICATION_VERIFICATION,
  REGISTRATION_START,
  REGISTRATION_VERIFICATION,
  SESSION_CLAIM,
} from '../passkeys/ceremony-failures';

class BrowserFinishDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'credential.toJSON() of the ceremony',
  })
  @IsObject()
  clientResponse!: Record<string, unknown>;
}

const from = (request: FastifyRequest) => ({ requestId: String(request.id), ip: request.ip });

/**
 * Routes the end user's browser calls directly: no API key, the transaction id is the
 * capability. CORS answers only the relying party's origins; calls are rate-limited per IP.
 */
@ApiTags('Browser (step-up)')
@Public()
@Controller('identity-store/browser')
export class BrowserController {
  constructor(private readonly stepUp: StepUpService) {}

  @Post('transactions/:transactionId/start')
  @Capability(TRANSACTION_CAPABILITY)
  @HttpCode(200)
  @ApiOperation({ summary: "Start a transaction's ceremony: options for navigator.credentials" })
  @ApiOkResponse({ type: BrowserStartDto })
  @Fails(
    ErrorCode.RATE_LIMITED,
    ErrorCode.TRANSACTION_NOT_FOUND,
    ErrorCode.TRANSACTION_EXPIRED,
    ErrorCode.TRANSACTION_ALREADY_COMPLETED,
    ErrorCode.TENANT_NOT_FOUND,
    ErrorCode.TENANT_SUSPENDED,
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
    ErrorCode.NO_PASSKEYS,
    ErrorCode.EXT_ID_NOT_UNIQUE,
    ErrorCode.USER_ALREADY_EXISTS,
    ErrorCode.MAX_USERS_EXCEEDED,
    ...REGISTRATION_START,
    ...AUTHENTICATION_START_FOR_USER,
  )
  startTransaction(
    @Param() p: TransactionParams,
    @Req() request: FastifyRequest,
  ): Promise<BrowserStartDto> {
    return this.stepUp.browserStart(p.transactionId, from(request));
  }

  @Post('transactions/:transactionId/finish')
  @Capability(TRANSACTION_CAPABILITY)
  @HttpCode(200)
  @ApiOperation({
    summary: "Finish a transaction's ceremony with the credential: a single-use nonce",
  })
  @ApiOkResponse({ type: NonceDto })
  @Fails(
    ErrorCode.RATE_LIMITED,
    ErrorCode.TRANSACTION_NOT_FOUND,
    ErrorCode.TRANSACTION_EXPIRED,
    ErrorCode.TRANSACTION_ALREADY_COMPLETED,
    ErrorCode.TRANSACTION_NOT_STARTED,
    ErrorCode.TENANT_NOT_FOUND,
    ErrorCode.TENANT_SUSPENDED,
    ...SESSION_CLAIM,
    ...REGISTRATION_VERIFICATION,
    ...AUTHENTICATION_VERIFICATION,
  )
  async finishTransaction(
    @Param() p: TransactionParams,
    @Body() body: BrowserFinishDto,
    @Req() request: FastifyRequest,
  ): Promise<NonceDto> {
    return this.stepUp.browserFinish(p.transactionId, body, from(request));
  }

  @Post(':tenantId/stores/:storeName/relyingParties/:rpId/authentications/:authPolicyName')
  @Capability(
    'the names of a tenant, store, relying party and an authentication policy with `allowDiscoverable`; it mints a transaction whose nonce only your backend can redeem (per-IP rate limit)',
  )
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Start a username-less authentication (autofill / conditional UI) without a transaction',
  })
  @ApiOkResponse({ type: BrowserStartDto })
  // one answer for every target it cannot use (no tenant, a suspended one, no store, relying
  // party or policy, a policy without allowDiscoverable): the keyless route tells none apart
  @Fails(ErrorCode.RATE_LIMITED, ErrorCode.RELYING_PARTY_NOT_FOUND)
  startUsernameless(
    @Param() p: BrowserUsernamelessParams,
    @Req() request: FastifyRequest,
  ): Promise<BrowserStartDto> {
    return this.stepUp.browserStartUsernameless(
      p.tenantId,
      p.storeName,
      p.rpId,
      p.authPolicyName,
      from(request),
    );
  }

  @Get('client.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'The browser client: an ES module with register() and authenticate()' })
  @ApiProduces('text/javascript')
  client(): string {
    return BROWSER_CLIENT_JS;
  }
}
