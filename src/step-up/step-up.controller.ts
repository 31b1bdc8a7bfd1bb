import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { RelyingPartyParams } from '../relying-parties/dto/relying-party.dto';
import { StoreParams } from '../stores/dto/store.dto';
import {
  CreateAuthenticateTransactionDto,
  CreateRegisterTransactionDto,
  TransactionDto,
  VerifiedNonceDto,
  VerifyNonceDto,
} from './dto/step-up.dto';
import { NONCE_HOLDER_GONE, StepUpService } from './step-up.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Step-up transactions')
@Controller('identity-store/stores/:storeName/passkeys')
export class StepUpController {
  constructor(private readonly stepUp: StepUpService) {}

  @Post('relyingParties/:rpId/transactions/register')
  @RequirePermission('createRegisterTransaction')
  @ApiOperation({
    summary:
      'Mint a register transaction for the browser client: signs up a new user, or (allowExistingUser) adds a passkey to a user your backend has signed in',
    description: 'USER_ALREADY_EXISTS: the externalId exists and allowExistingUser is not true.',
  })
  @ApiCreatedResponse({ type: TransactionDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
    ErrorCode.USER_ALREADY_EXISTS,
    ErrorCode.EXT_ID_NOT_UNIQUE,
    ErrorCode.EXTERNAL_CHALLENGE_NOT_ALLOWED,
    ErrorCode.MAX_USERS_EXCEEDED,
  )
  createRegisterTransaction(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Body() dto: CreateRegisterTransactionDto,
  ): Promise<TransactionDto> {
    return this.stepUp.createRegister(ctx, p.storeName, p.rpId, dto);
  }

  @Post('relyingParties/:rpId/transactions/authenticate')
  @RequirePermission('createAuthenticateTransaction')
  @ApiOperation({ summary: 'Mint an authenticate (step-up) transaction for the browser client' })
  @ApiCreatedResponse({ type: TransactionDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
  )
  createAuthenticateTransaction(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Body() dto: CreateAuthenticateTransactionDto,
  ): Promise<TransactionDto> {
    return this.stepUp.createAuthenticate(ctx, p.storeName, p.rpId, dto);
  }

  @Post('nonces/verify')
  @HttpCode(200)
  @RequirePermission('verifyNonce')
  @ApiOperation({
    summary: 'Redeem a nonce (once): who proved presence, with which passkey',
    description:
      'NONCE_NOT_FOUND also answers a nonce of another store or tenant. A nonce whose user was ' +
      'deleted, locked or disabled, or whose passkey was revoked or suspended, since the ' +
      'ceremony is not redeemed (USER_NOT_FOUND, USER_LOCKED, USER_DISABLED, USER_TEMP_LOCKED, ' +
      'PASSKEY_NOT_ACTIVE).',
  })
  @ApiOkResponse({ type: VerifiedNonceDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.NONCE_NOT_FOUND,
    ErrorCode.NONCE_ALREADY_USED,
    ErrorCode.NONCE_EXPIRED,
    ...NONCE_HOLDER_GONE,
  )
  verifyNonce(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Body() dto: VerifyNonceDto,
  ): Promise<VerifiedNonceDto> {
    return this.stepUp.verifyNonce(ctx, p.storeName, dto.nonce);
  }
}
