import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  KeyCheckedByFirstRead,
  RateLimited,
  RequirePermission,
} from '../../auth/permission.decorator';
import { FastPath } from '../../common/http/fast-path';
import { Ctx, RequestContext } from '../../auth/request-context';
import { AuthenticationPolicyParams } from '../../policies/dto/policy-common.dto';
import { AuthenticationService } from './authentication.service';
import {
  AuthenticationCompletedDto,
  CeremonySessionDto,
  ExtUserAuthenticationParams,
  SessionParams,
  StartAuthenticationDto,
  StartedCeremonyDto,
  UserAuthenticationParams,
} from '../dto/ceremony.dto';
import { CompleteAuthenticationDto } from '../dto/client-response.dto';
import { ErrorCode } from '../../common/errors/error-code';
import { Fails } from '../../openapi/failures';
import {
  AUTHENTICATION_START,
  AUTHENTICATION_START_FOR_USER,
  AUTHENTICATION_VERIFICATION,
  SESSION_CLAIM,
  SESSION_LOOKUP,
} from '../ceremony-failures';

@ApiTags('Passkey authentication')
@Controller('identity-store')
export class AuthenticationController {
  constructor(private readonly authentication: AuthenticationService) {}

  @Post(
    'stores/:storeName/users/:userId/passkeys/relyingParties/:rpId/authentications/:authPolicyName',
  )
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('createPasskeyAuthenticationForUser')
  @ApiOperation({ summary: 'Start a passkey authentication of a user (by id)' })
  @ApiCreatedResponse({ type: StartedCeremonyDto })
  @Fails(...AUTHENTICATION_START_FOR_USER)
  createPasskeyAuthenticationForUser(
    @Ctx() ctx: RequestContext,
    @Param() p: UserAuthenticationParams,
    @Body() dto: StartAuthenticationDto,
  ): Promise<StartedCeremonyDto> {
    return this.authentication.start(ctx, p, { id: p.userId }, dto);
  }

  @Post(
    ':tenantId/stores/:storeName/users/:userExtId/passkeys/relyingParties/:rpId/authentications/:authPolicyName/ext',
  )
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('createPasskeyAuthenticationForUserByExtId', { tenantInPath: true })
  @ApiOperation({ summary: 'Start a passkey authentication of a user (by external id)' })
  @ApiCreatedResponse({ type: StartedCeremonyDto })
  @Fails(...AUTHENTICATION_START_FOR_USER)
  createPasskeyAuthenticationForUserByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtUserAuthenticationParams,
    @Body() dto: StartAuthenticationDto,
  ): Promise<StartedCeremonyDto> {
    return this.authentication.start(ctx, p, { externalId: p.userExtId }, dto);
  }

  @Post('stores/:storeName/passkeys/relyingParties/:rpId/authentications/:authPolicyName')
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('createDiscoverablePasskeyAuthentication')
  @ApiOperation({
    summary: 'Start a username-less (discoverable credential) passkey authentication',
  })
  @ApiCreatedResponse({ type: StartedCeremonyDto })
  @Fails(...AUTHENTICATION_START, ErrorCode.DISCOVERABLE_NOT_ALLOWED)
  createDiscoverablePasskeyAuthentication(
    @Ctx() ctx: RequestContext,
    @Param() p: AuthenticationPolicyParams,
    @Body() dto: StartAuthenticationDto,
  ): Promise<StartedCeremonyDto> {
    return this.authentication.start(ctx, p, undefined, dto);
  }

  @Post('stores/:storeName/passkeys/authentications/sessions/:sessionId')
  @HttpCode(200)
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('completePasskeyAuthentication')
  @ApiOperation({ summary: "Complete an authentication with the browser's response" })
  @ApiOkResponse({
    type: AuthenticationCompletedDto,
    description: 'The outcome, with its signed result token',
  })
  @Fails(...SESSION_CLAIM, ...AUTHENTICATION_VERIFICATION)
  completePasskeyAuthentication(
    @Ctx() ctx: RequestContext,
    @Param() p: SessionParams,
    @Body() dto: CompleteAuthenticationDto,
  ): Promise<AuthenticationCompletedDto> {
    return this.authentication.complete(ctx, p.storeName, p.sessionId, dto);
  }

  @Get('stores/:storeName/passkeys/authentications/sessions/:sessionId')
  @RequirePermission('getPasskeyAuthentication')
  @ApiOperation({ summary: 'Read an authentication session and its outcome' })
  @ApiOkResponse({ type: CeremonySessionDto })
  @Fails(...SESSION_LOOKUP)
  getPasskeyAuthentication(
    @Ctx() ctx: RequestContext,
    @Param() p: SessionParams,
  ): Promise<CeremonySessionDto> {
    return this.authentication.get(ctx, p.storeName, p.sessionId);
  }

  @Post('stores/:storeName/passkeys/authentications/sessions/:sessionId/cancel')
  @HttpCode(200)
  @RateLimited()
  @RequirePermission('completePasskeyAuthentication')
  @ApiOperation({ summary: 'Cancel a pending authentication (does not count as a failed attempt)' })
  @ApiOkResponse({ type: CeremonySessionDto })
  @Fails(...SESSION_CLAIM)
  cancelPasskeyAuthentication(
    @Ctx() ctx: RequestContext,
    @Param() p: SessionParams,
  ): Promise<CeremonySessionDto> {
    return this.authentication.cancel(ctx, p.storeName, p.sessionId);
  }
}
