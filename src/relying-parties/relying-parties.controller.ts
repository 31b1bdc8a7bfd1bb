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
import { StoreParams } from '../stores/dto/store.dto';
import {
  CreateRelyingPartyDto,
  RelyingPartyListQueryDto,
  RelyingPartyPageDto,
  RelyingPartyParams,
  StoredRelyingPartyParams,
  RelyingPartyResponseDto,
  UpdateRelyingPartyDto,
} from './dto/relying-party.dto';
import { RelyingPartiesService } from './relying-parties.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Relying parties')
@Controller('identity-store/stores/:storeName/passkeys/relyingParties')
export class RelyingPartiesController {
  constructor(private readonly rps: RelyingPartiesService) {}

  @Post()
  @RequirePermission('createRelyingParty')
  @ApiOperation({ summary: 'Create a relying party (passkey configuration) in a store' })
  @ApiCreatedResponse({ type: RelyingPartyResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_ALREADY_EXISTS)
  createRelyingParty(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Body() dto: CreateRelyingPartyDto,
  ): Promise<RelyingPartyResponseDto> {
    return this.rps.create(ctx, p.storeName, dto);
  }

  @Get()
  @RequirePermission('listRelyingParties')
  @ApiOperation({ summary: 'List the relying parties of a store (sort by rpId, createdAt)' })
  @ApiOkResponse({ type: RelyingPartyPageDto })
  @Fails(ErrorCode.STORE_NOT_FOUND)
  listRelyingParties(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Query() query: RelyingPartyListQueryDto,
  ): Promise<RelyingPartyPageDto> {
    return this.rps.list(ctx, p.storeName, query);
  }

  @Get(':rpId')
  @RequirePermission('getRelyingParty')
  @ApiOperation({ summary: 'Read a relying party' })
  @ApiOkResponse({ type: RelyingPartyResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_NOT_FOUND)
  getRelyingParty(
    @Ctx() ctx: RequestContext,
    @Param() p: StoredRelyingPartyParams,
  ): Promise<RelyingPartyResponseDto> {
    return this.rps.get(ctx, p.storeName, p.rpId);
  }

  @Post(':rpId')
  @HttpCode(200)
  @RequirePermission('updateRelyingParty')
  @ApiOperation({ summary: 'Update a relying party: name, origins (the rpId is fixed)' })
  @ApiOkResponse({ type: RelyingPartyResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_NOT_FOUND)
  updateRelyingParty(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Body() dto: UpdateRelyingPartyDto,
  ): Promise<RelyingPartyResponseDto> {
    return this.rps.update(ctx, p.storeName, p.rpId, dto);
  }

  @Delete(':rpId')
  @HttpCode(204)
  @RequirePermission('deleteRelyingParty')
  @ApiOperation({ summary: 'Delete a relying party with its policies and passkeys' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_NOT_FOUND)
  deleteRelyingParty(
    @Ctx() ctx: RequestContext,
    @Param() p: StoredRelyingPartyParams,
  ): Promise<void> {
    return this.rps.delete(ctx, p.storeName, p.rpId);
  }
}
