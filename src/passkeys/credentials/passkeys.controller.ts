import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../../auth/permission.decorator';
import { Ctx, RequestContext } from '../../auth/request-context';
import { ProblemDto } from '../../openapi/problem.dto';
import {
  ExtPasskeyParams,
  ExtUserPasskeysParams,
  PasskeyParams,
  PasskeyResponseDto,
  UpdatePasskeyDto,
  UserPasskeysParams,
} from './passkey.dto';
import { PasskeysService } from './passkeys.service';

const NOT_FOUND = 'STORE_NOT_FOUND, USER_NOT_FOUND, PASSKEY_NOT_FOUND';
const REVOKED_IS_FINAL =
  'SUSPENDED can return to ACTIVE; REVOKED is final: moving a revoked passkey to ACTIVE or ' +
  'SUSPENDED answers PASSKEY_REVOKED (it may still be renamed or deleted).';

@ApiTags('Passkeys')
@Controller('identity-store/stores/:storeName/users')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Get(':userId/passkeys')
  @RequirePermission('listPasskeys')
  @ApiOperation({ summary: "List a user's passkeys (by user id)" })
  @ApiOkResponse({ type: [PasskeyResponseDto] })
  listPasskeys(
    @Ctx() ctx: RequestContext,
    @Param() p: UserPasskeysParams,
  ): Promise<PasskeyResponseDto[]> {
    return this.passkeys.list(ctx, p.storeName, { id: p.userId });
  }

  @Get(':userId/passkeys/:passkeyId')
  @RequirePermission('getPasskey')
  @ApiOperation({ summary: 'Read a passkey (by user id)' })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto, description: NOT_FOUND })
  getPasskey(@Ctx() ctx: RequestContext, @Param() p: PasskeyParams): Promise<PasskeyResponseDto> {
    return this.passkeys.get(ctx, p.storeName, { id: p.userId }, p.passkeyId);
  }

  @Post(':userId/passkeys/:passkeyId')
  @HttpCode(200)
  @RequirePermission('updatePasskey')
  @ApiOperation({
    summary: 'Rename, suspend, revoke or reactivate a passkey (by user id)',
    description: REVOKED_IS_FINAL,
  })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto, description: NOT_FOUND })
  @ApiConflictResponse({ type: ProblemDto, description: 'PASSKEY_REVOKED' })
  updatePasskey(
    @Ctx() ctx: RequestContext,
    @Param() p: PasskeyParams,
    @Body() dto: UpdatePasskeyDto,
  ): Promise<PasskeyResponseDto> {
    return this.passkeys.update(ctx, p.storeName, { id: p.userId }, p.passkeyId, dto);
  }

  @Delete(':userId/passkeys/:passkeyId')
  @HttpCode(204)
  @RequirePermission('deletePasskey')
  @ApiOperation({ summary: 'Delete a passkey (by user id)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: NOT_FOUND })
  deletePasskey(@Ctx() ctx: RequestContext, @Param() p: PasskeyParams): Promise<void> {
    return this.passkeys.delete(ctx, p.storeName, { id: p.userId }, p.passkeyId);
  }

  @Get(':userExtId/passkeys/ext')
  @RequirePermission('listPasskeys')
  @ApiOperation({ summary: "List a user's passkeys (by external id)" })
  @ApiOkResponse({ type: [PasskeyResponseDto] })
  listPasskeysByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtUserPasskeysParams,
  ): Promise<PasskeyResponseDto[]> {
    return this.passkeys.list(ctx, p.storeName, { externalId: p.userExtId });
  }

  @Get(':userExtId/passkeys/:passkeyId/ext')
  @RequirePermission('getPasskey')
  @ApiOperation({ summary: 'Read a passkey (by external id)' })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto, description: NOT_FOUND })
  getPasskeyByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtPasskeyParams,
  ): Promise<PasskeyResponseDto> {
    return this.passkeys.get(ctx, p.storeName, { externalId: p.userExtId }, p.passkeyId);
  }

  @Post(':userExtId/passkeys/:passkeyId/ext')
  @HttpCode(200)
  @RequirePermission('updatePasskey')
  @ApiOperation({
    summary: 'Rename, suspend, revoke or reactivate a passkey (by external id)',
    description: REVOKED_IS_FINAL,
  })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto, description: NOT_FOUND })
  @ApiConflictResponse({ type: ProblemDto, description: 'PASSKEY_REVOKED' })
  updatePasskeyByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtPasskeyParams,
    @Body() dto: UpdatePasskeyDto,
  ): Promise<PasskeyResponseDto> {
    return this.passkeys.update(ctx, p.storeName, { externalId: p.userExtId }, p.passkeyId, dto);
  }

  @Delete(':userExtId/passkeys/:passkeyId/ext')
  @HttpCode(204)
  @RequirePermission('deletePasskey')
  @ApiOperation({ summary: 'Delete a passkey (by external id)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: NOT_FOUND })
  deletePasskeyByExtId(@Ctx() ctx: RequestContext, @Param() p: ExtPasskeyParams): Promise<void> {
    return this.passkeys.delete(ctx, p.storeName, { externalId: p.userExtId }, p.passkeyId);
  }
}
