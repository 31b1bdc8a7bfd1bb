import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BearerApiKey, RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import {
  PassageAppIdParams,
  PassageAuthenticateTransactionDto,
  PassageDeviceListDto,
  PassageDeviceParams,
  PassageRegisterTransactionDto,
  PassageTransactionDto,
  PassageUserDto,
  PassageUserListDto,
  PassageUserParams,
  PassageUsersQueryDto,
  PassageVerifiedDto,
  PassageVerifyNonceDto,
} from './dto/passage-wire.dto';
import { PassageErrors } from './passage-errors.decorator';
import { PassageService } from './passage.service';

/**
 * The calls of Passage's backend SDK (`https://api.passage.id/v1` → here), with the tenant's API
 * key as `Authorization: Bearer <key>` (also `X-Api-Key`, or a bearer token) and the permissions
 * of the matching Identity Store routes. Another tenant's app is a 404 `app_not_found`.
 */
@ApiTags('Passage compatibility (backend)')
@PassageErrors()
@BearerApiKey()
@Controller('passage/v1/apps/:appId')
export class PassageBackendController {
  constructor(private readonly passage: PassageService) {}

  @Post('transactions/register')
  @RequirePermission('createRegisterTransaction')
  @ApiOperation({
    summary: 'createRegisterTransaction: a register transaction for a new or existing user',
  })
  @ApiCreatedResponse({ type: PassageTransactionDto })
  @Fails(
    ErrorCode.PASSAGE_APP_NOT_FOUND,
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
    ErrorCode.EXT_ID_NOT_UNIQUE,
    ErrorCode.MAX_USERS_EXCEEDED,
  )
  passageCreateRegisterTransaction(
    @Ctx() ctx: RequestContext,
    @Param() p: PassageAppIdParams,
    @Body() dto: PassageRegisterTransactionDto,
  ): Promise<PassageTransactionDto> {
    return this.passage.createRegisterTransaction(ctx, p.appId, dto);
  }

  @Post('transactions/authenticate')
  @RequirePermission('createAuthenticateTransaction')
  @ApiOperation({ summary: 'createAuthenticateTransaction: a step-up of a user with a passkey' })
  @ApiCreatedResponse({ type: PassageTransactionDto })
  @Fails(
    ErrorCode.PASSAGE_APP_NOT_FOUND,
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
    ErrorCode.NO_PASSKEYS,
  )
  passageCreateAuthenticateTransaction(
    @Ctx() ctx: RequestContext,
    @Param() p: PassageAppIdParams,
    @Body() dto: PassageAuthenticateTransactionDto,
  ): Promise<PassageTransactionDto> {
    return this.passage.createAuthenticateTransaction(ctx, p.appId, dto);
  }

  @Post('authenticate/verify')
  @HttpCode(200)
  @RequirePermission('verifyNonce')
  @ApiOperation({ summary: 'verifyNonce: redeem a nonce (once) for the external id' })
  @ApiOkResponse({ type: PassageVerifiedDto })
  @Fails(
    ErrorCode.PASSAGE_APP_NOT_FOUND,
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.NONCE_NOT_FOUND,
    ErrorCode.NONCE_ALREADY_USED,
    ErrorCode.NONCE_EXPIRED,
  )
  passageVerifyNonce(
    @Ctx() ctx: RequestContext,
    @Param() p: PassageAppIdParams,
    @Body() dto: PassageVerifyNonceDto,
  ): Promise<PassageVerifiedDto> {
    return this.passage.verifyNonce(ctx, p.appId, dto.nonce);
  }

  @Get('users')
  @RequirePermission('listUsers')
  @ApiOperation({ summary: 'Users of the app (identifier = an external id), newest first' })
  @ApiOkResponse({ type: PassageUserListDto })
  @Fails(ErrorCode.PASSAGE_APP_NOT_FOUND)
  passageListUsers(
    @Ctx() ctx: RequestContext,
    @Param() p: PassageAppIdParams,
    @Query() query: PassageUsersQueryDto,
  ): Promise<PassageUserListDto> {
    return this.passage.listUsers(ctx, p.appId, query);
  }

  @Get('users/:userId')
  @RequirePermission('getUser', {
    also: '`TNT#{tenant}#IdentityStore:listPasskeys` to list `devices` (without it, `devices` is empty)',
  })
  @ApiOperation({ summary: 'A user with its devices (passkeys at the app)' })
  @ApiOkResponse({ type: PassageUserDto })
  @Fails(ErrorCode.PASSAGE_APP_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  passageGetUser(
    @Ctx() ctx: RequestContext,
    @Param() p: PassageUserParams,
  ): Promise<PassageUserDto> {
    return this.passage.getUser(ctx, p.appId, p.userId);
  }

  @Get('users/:userId/devices')
  @RequirePermission('listPasskeys')
  @ApiOperation({ summary: "A user's devices (passkeys at the app)" })
  @ApiOkResponse({ type: PassageDeviceListDto })
  @Fails(ErrorCode.PASSAGE_APP_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  passageListDevices(
    @Ctx() ctx: RequestContext,
    @Param() p: PassageUserParams,
  ): Promise<PassageDeviceListDto> {
    return this.passage.listDevices(ctx, p.appId, p.userId);
  }

  @Delete('users/:userId/devices/:deviceId')
  @HttpCode(200)
  @RequirePermission('deletePasskey')
  @ApiOperation({ summary: 'Revoke a device: the passkey is deleted' })
  @ApiOkResponse({ description: 'Deleted (empty body)' })
  @Fails(ErrorCode.PASSAGE_APP_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.PASSKEY_NOT_FOUND)
  passageDeleteDevice(@Ctx() ctx: RequestContext, @Param() p: PassageDeviceParams): Promise<void> {
    return this.passage.deleteDevice(ctx, p.appId, p.userId, p.deviceId);
  }
}
