import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { ProblemDto } from '../openapi/problem.dto';
import { RelyingPartyParams } from '../relying-parties/dto/relying-party.dto';
import { StoreParams } from '../stores/dto/store.dto';
import {
  CreateAuthenticateTransactionDto,
  CreateRegisterTransactionDto,
  TransactionDto,
  VerifiedNonceDto,
  VerifyNonceDto,
} from './dto/step-up.dto';
import { StepUpService } from './step-up.service';

@ApiTags('Step-up transactions')
@Controller('identity-store/stores/:storeName/passkeys')
export class StepUpController {
  constructor(private readonly stepUp: StepUpService) {}

  @Post('relyingParties/:rpId/transactions/register')
  @RequirePermission('createRegisterTransaction')
  @ApiOperation({
    summary:
      'Mint a register transaction for the browser client: signs up a new user, or (allowExistingUser) adds a passkey to a user your backend has signed in',
  })
  @ApiCreatedResponse({ type: TransactionDto })
  @ApiNotFoundResponse({
    type: ProblemDto,
    description: 'STORE_NOT_FOUND, RELYING_PARTY_NOT_FOUND, REGISTRATION_POLICY_NOT_FOUND',
  })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'USER_ALREADY_EXISTS (the externalId exists and allowExistingUser is not true)',
  })
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
  @ApiNotFoundResponse({
    type: ProblemDto,
    description:
      'STORE_NOT_FOUND, RELYING_PARTY_NOT_FOUND, AUTHENTICATION_POLICY_NOT_FOUND, USER_NOT_FOUND',
  })
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
  @ApiOperation({ summary: 'Redeem a nonce (once): who proved presence, with which passkey' })
  @ApiOkResponse({ type: VerifiedNonceDto })
  @ApiNotFoundResponse({
    type: ProblemDto,
    description: 'NONCE_NOT_FOUND (also for another store or tenant)',
  })
  verifyNonce(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Body() dto: VerifyNonceDto,
  ): Promise<VerifiedNonceDto> {
    return this.stepUp.verifyNonce(ctx, p.storeName, dto.nonce);
  }
}
