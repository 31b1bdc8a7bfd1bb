import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { PageQueryDto } from '../../common/pagination/page';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../../auth/permission.decorator';
import { Ctx, RequestContext } from '../../auth/request-context';
import type { FastifyReply } from 'fastify';
import { SignalsResponseDto } from '../../signals/dto/signal.dto';
import {
  ExtPasskeyParams,
  ExtUserPasskeysParams,
  PasskeyParams,
  PasskeyPageDto,
  PasskeyResponseDto,
  PasskeyWithSignalsDto,
  UpdatePasskeyDto,
  UserPasskeysParams,
} from './passkey.dto';
import { PasskeysService } from './passkeys.service';
import { ErrorCode } from '../../common/errors/error-code';
import { Fails } from '../../openapi/failures';

const PREFER = {
  name: 'Prefer',
  required: false,
  description:
    '`return=representation`: answer 200 with the WebAuthn Signal API payloads of the user ' +
    '(`signals`) instead of 204 without a body',
};
const SIGNALS_SUMMARY =
  "WebAuthn Signal API payloads for the user's passkey managers: for every relying party, " +
  'signalAllAcceptedCredentials and signalCurrentUserDetails';

/**
 * A deletion answers 204 as it always did; with `Prefer: return=representation` (RFC 7240) it
 * answers 200 with the signals, so existing clients see no change.
 */
function representation(
  reply: FastifyReply,
  prefer: string | undefined,
  body: SignalsResponseDto,
): SignalsResponseDto | undefined {
  const wanted = /(^|[\s,;])return=representation\b/i.test(prefer ?? '');
  reply.status(wanted ? 200 : 204);
  if (wanted) reply.header('preference-applied', 'return=representation');
  return wanted ? body : undefined;
}
const REVOKED_IS_FINAL =
  'SUSPENDED can return to ACTIVE; REVOKED is final: moving a revoked passkey to ACTIVE or ' +
  'SUSPENDED answers PASSKEY_REVOKED (it may still be renamed or deleted).';

@ApiTags('Passkeys')
@Controller('identity-store/stores/:storeName/users')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Get(':userId/passkeys')
  @RequirePermission('listPasskeys')
  @ApiOperation({
    summary: "List a user's passkeys (by user id); sort by createdAt, lastUsedAt, displayName",
  })
  @ApiOkResponse({ type: PasskeyPageDto, description: 'A page of the passkeys' })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  listPasskeys(
    @Ctx() ctx: RequestContext,
    @Param() p: UserPasskeysParams,
    @Query() query: PageQueryDto,
  ): Promise<PasskeyPageDto> {
    return this.passkeys.list(ctx, p.storeName, { id: p.userId }, query);
  }

  @Get(':userId/passkeys/:passkeyId')
  @RequirePermission('getPasskey')
  @ApiOperation({ summary: 'Read a passkey (by user id)' })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.PASSKEY_NOT_FOUND)
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
  @ApiOkResponse({ type: PasskeyWithSignalsDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
    ErrorCode.PASSKEY_NOT_FOUND,
    ErrorCode.PASSKEY_REVOKED,
  )
  updatePasskey(
    @Ctx() ctx: RequestContext,
    @Param() p: PasskeyParams,
    @Body() dto: UpdatePasskeyDto,
  ): Promise<PasskeyWithSignalsDto> {
    return this.passkeys.update(ctx, p.storeName, { id: p.userId }, p.passkeyId, dto);
  }

  @Delete(':userId/passkeys/:passkeyId')
  @HttpCode(204)
  @RequirePermission('deletePasskey')
  @ApiOperation({ summary: 'Delete a passkey (by user id)' })
  @ApiHeader(PREFER)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiOkResponse({
    type: SignalsResponseDto,
    description: 'Deleted (Prefer: return=representation)',
  })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.PASSKEY_NOT_FOUND)
  async deletePasskey(
    @Ctx() ctx: RequestContext,
    @Param() p: PasskeyParams,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SignalsResponseDto | undefined> {
    return representation(
      reply,
      prefer,
      await this.passkeys.delete(ctx, p.storeName, { id: p.userId }, p.passkeyId),
    );
  }

  @Get(':userId/passkeys/signals')
  @RequirePermission('listPasskeys')
  @ApiOperation({ summary: `${SIGNALS_SUMMARY} (by user id)` })
  @ApiOkResponse({ type: SignalsResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  passkeySignals(
    @Ctx() ctx: RequestContext,
    @Param() p: UserPasskeysParams,
  ): Promise<SignalsResponseDto> {
    return this.passkeys.signalsOf(ctx, p.storeName, { id: p.userId });
  }

  @Get(':userExtId/passkeys/ext')
  @RequirePermission('listPasskeys')
  @ApiOperation({
    summary: "List a user's passkeys (by external id); sort by createdAt, lastUsedAt, displayName",
  })
  @ApiOkResponse({ type: PasskeyPageDto, description: 'A page of the passkeys' })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  listPasskeysByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtUserPasskeysParams,
    @Query() query: PageQueryDto,
  ): Promise<PasskeyPageDto> {
    return this.passkeys.list(ctx, p.storeName, { externalId: p.userExtId }, query);
  }

  @Get(':userExtId/passkeys/:passkeyId/ext')
  @RequirePermission('getPasskey')
  @ApiOperation({ summary: 'Read a passkey (by external id)' })
  @ApiOkResponse({ type: PasskeyResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.PASSKEY_NOT_FOUND)
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
  @ApiOkResponse({ type: PasskeyWithSignalsDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.USER_NOT_FOUND,
    ErrorCode.PASSKEY_NOT_FOUND,
    ErrorCode.PASSKEY_REVOKED,
  )
  updatePasskeyByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtPasskeyParams,
    @Body() dto: UpdatePasskeyDto,
  ): Promise<PasskeyWithSignalsDto> {
    return this.passkeys.update(ctx, p.storeName, { externalId: p.userExtId }, p.passkeyId, dto);
  }

  @Delete(':userExtId/passkeys/:passkeyId/ext')
  @HttpCode(204)
  @RequirePermission('deletePasskey')
  @ApiOperation({ summary: 'Delete a passkey (by external id)' })
  @ApiHeader(PREFER)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiOkResponse({
    type: SignalsResponseDto,
    description: 'Deleted (Prefer: return=representation)',
  })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.PASSKEY_NOT_FOUND)
  async deletePasskeyByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtPasskeyParams,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SignalsResponseDto | undefined> {
    return representation(
      reply,
      prefer,
      await this.passkeys.delete(ctx, p.storeName, { externalId: p.userExtId }, p.passkeyId),
    );
  }

  @Get(':userExtId/passkeys/signals/ext')
  @RequirePermission('listPasskeys')
  @ApiOperation({ summary: `${SIGNALS_SUMMARY} (by external id)` })
  @ApiOkResponse({ type: SignalsResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  passkeySignalsByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtUserPasskeysParams,
  ): Promise<SignalsResponseDto> {
    return this.passkeys.signalsOf(ctx, p.storeName, { externalId: p.userExtId });
  }
}
