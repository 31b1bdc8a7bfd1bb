import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import { RelyingPartyParams } from '../relying-parties/dto/relying-party.dto';
import {
  CreatePassageAppDto,
  PassageAppDto,
  PassageAppListQueryDto,
  PassageAppPageDto,
  PassageAppParams,
} from './dto/passage-app.dto';
import { PassageAppsService } from './passage-apps.service';

@ApiTags('Passage apps')
@Controller('identity-store/stores/:storeName/passkeys/relyingParties/:rpId/passageApps')
@Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_NOT_FOUND)
export class PassageAppsController {
  constructor(private readonly apps: PassageAppsService) {}

  @Post()
  @RequirePermission('createPassageApp')
  @ApiOperation({
    summary: 'Map a Passage (Passkey Flex) app id to this relying party and two of its policies',
    description:
      "Give the integrator's old Passage app id so nothing else in their code changes; the app " +
      'then answers on /passage/v1/apps/{appId}.',
  })
  @ApiCreatedResponse({ type: PassageAppDto })
  @Fails(
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
    ErrorCode.PASSAGE_APP_ID_TAKEN,
  )
  createPassageApp(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Body() dto: CreatePassageAppDto,
  ): Promise<PassageAppDto> {
    return this.apps.create(ctx, p.storeName, p.rpId, dto);
  }

  @Get()
  @RequirePermission('listPassageApps')
  @ApiOperation({ summary: 'List the Passage apps of a relying party' })
  @ApiOkResponse({ type: PassageAppPageDto })
  listPassageApps(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Query() query: PassageAppListQueryDto,
  ): Promise<PassageAppPageDto> {
    return this.apps.list(ctx, p.storeName, p.rpId, query);
  }

  @Get(':appId')
  @RequirePermission('getPassageApp')
  @ApiOperation({ summary: 'Read a Passage app' })
  @ApiOkResponse({ type: PassageAppDto })
  @Fails(ErrorCode.PASSAGE_APP_NOT_FOUND)
  getPassageApp(@Ctx() ctx: RequestContext, @Param() p: PassageAppParams): Promise<PassageAppDto> {
    return this.apps.get(ctx, p.storeName, p.rpId, p.appId);
  }

  @Delete(':appId')
  @HttpCode(204)
  @RequirePermission('deletePassageApp')
  @ApiOperation({
    summary:
      'Delete a Passage app: its /passage/v1 routes stop answering (users and passkeys stay)',
  })
  @ApiNoContentResponse()
  @Fails(ErrorCode.PASSAGE_APP_NOT_FOUND)
  deletePassageApp(@Ctx() ctx: RequestContext, @Param() p: PassageAppParams): Promise<void> {
    return this.apps.delete(ctx, p.storeName, p.rpId, p.appId);
  }
}
