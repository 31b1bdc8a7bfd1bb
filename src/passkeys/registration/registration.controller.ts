import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  KeyCheckedByFirstRead,
  RateLimited,
  RequirePermission,
} from '../../auth/permission.decorator';
import { FastPath } from '../../common/http/fast-path';
import { Ctx, RequestContext } from '../../auth/request-context';
import {
  CeremonySessionDto,
  ExtUserRegistrationParams,
  RegistrationCompletedDto,
  SessionParams,
  StartedCeremonyDto,
  StartExtRegistrationDto,
  StartRegistrationDto,
  UserRegistrationParams,
} from '../dto/ceremony.dto';
import { CompleteRegistrationDto } from '../dto/client-response.dto';
import { RegistrationService } from './registration.service';
import { ErrorCode } from '../../common/errors/error-code';
import { Fails } from '../../openapi/failures';
import {
  REGISTRATION_START,
  REGISTRATION_VERIFICATION,
  SESSION_CLAIM,
  SESSION_LOOKUP,
} from '../ceremony-failures';

@ApiTags('Passkey registration')
@Controller('identity-store')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post(
    'stores/:storeName/users/:userId/passkeys/relyingParties/:rpId/registrations/:regPolicyName',
  )
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('createPasskeyRegistrationForUser')
  @ApiOperation({ summary: 'Start a passkey registration for a user (by id)' })
  @ApiCreatedResponse({ type: StartedCeremonyDto })
  @Fails(...REGISTRATION_START)
  createPasskeyRegistrationForUser(
    @Ctx() ctx: RequestContext,
    @Param() p: UserRegistrationParams,
    @Body() dto: StartRegistrationDto,
  ): Promise<StartedCeremonyDto> {
    return this.registration.start(ctx, p, { id: p.userId }, dto);
  }

  @Post(
    ':tenantId/stores/:storeName/users/:userExtId/passkeys/relyingParties/:rpId/registrations/:regPolicyName/ext',
  )
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('createPasskeyRegistrationForUserByExtId', { tenantInPath: true })
  @ApiOperation({
    summary: 'Start a passkey registration for a user (by external id; createUser makes the user)',
  })
  @ApiCreatedResponse({ type: StartedCeremonyDto })
  @Fails(...REGISTRATION_START, ErrorCode.MAX_USERS_EXCEEDED, ErrorCode.EXT_ID_NOT_UNIQUE)
  createPasskeyRegistrationForUserByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtUserRegistrationParams,
    @Body() dto: StartExtRegistrationDto,
  ): Promise<StartedCeremonyDto> {
    return this.registration.start(ctx, p, { externalId: p.userExtId }, dto);
  }

  @Post('stores/:storeName/passkeys/registrations/sessions/:sessionId')
  @HttpCode(200)
  @RateLimited()
  @KeyCheckedByFirstRead()
  @FastPath()
  @RequirePermission('completePasskeyRegistration')
  @ApiOperation({ summary: "Complete a registration with the browser's response" })
  @ApiOkResponse({
    type: RegistrationCompletedDto,
    description: 'The outcome, with its signed result token',
  })
  @Fails(...SESSION_CLAIM, ...REGISTRATION_VERIFICATION)
  completePasskeyRegistration(
    @Ctx() ctx: RequestContext,
    @Param() p: SessionParams,
    @Body() dto: CompleteRegistrationDto,
  ): Promise<RegistrationCompletedDto> {
    return this.registration.complete(ctx, p.storeName, p.sessionId, dto);
  }

  @Get('stores/:storeName/passkeys/registrations/sessions/:sessionId')
  @RequirePermission('getPasskeyRegistration')
  @ApiOperation({ summary: 'Read a registration session and its outcome' })
  @ApiOkResponse({ type: CeremonySessionDto })
  @Fails(...SESSION_LOOKUP)
  getPasskeyRegistration(
    @Ctx() ctx: RequestContext,
    @Param() p: SessionParams,
  ): Promise<CeremonySessionDto> {
    return this.registration.get(ctx, p.storeName, p.sessionId);
  }

  @Post('stores/:storeName/passkeys/registrations/sessions/:sessionId/cancel')
  @HttpCode(200)
  @RateLimited()
  @RequirePermission('completePasskeyRegistration')
  @ApiOperation({ summary: 'Cancel a pending registration' })
  @ApiOkResponse({ type: CeremonySessionDto })
  @Fails(...SESSION_CLAIM)
  cancelPasskeyRegistration(
    @Ctx() ctx: RequestContext,
    @Param() p: SessionParams,
  ): Promise<CeremonySessionDto> {
    return this.registration.cancel(ctx, p.storeName, p.sessionId);
  }
}
