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
import {
  CreateStoreDto,
  StoreListQueryDto,
  StorePageDto,
  StoreParams,
  StoreResponseDto,
  UpdateStoreDto,
} from './dto/store.dto';
import { StoresService } from './stores.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Stores')
@Controller('identity-store/stores')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Post()
  @RequirePermission('createStore')
  @ApiOperation({ summary: 'Create an identity store' })
  @ApiCreatedResponse({ type: StoreResponseDto })
  @Fails(ErrorCode.STORE_ALREADY_EXISTS, ErrorCode.MAX_STORES_EXCEEDED)
  createStore(@Ctx() ctx: RequestContext, @Body() dto: CreateStoreDto): Promise<StoreResponseDto> {
    return this.stores.create(ctx, dto);
  }

  @Get()
  @RequirePermission('listStores')
  @ApiOperation({ summary: 'List identity stores (sort by name, createdAt)' })
  @ApiOkResponse({ type: StorePageDto })
  listStores(@Ctx() ctx: RequestContext, @Query() query: StoreListQueryDto): Promise<StorePageDto> {
    return this.stores.list(ctx, query);
  }

  @Get(':storeName')
  @RequirePermission('getStore')
  @ApiOperation({ summary: 'Read an identity store' })
  @ApiOkResponse({ type: StoreResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND)
  getStore(@Ctx() ctx: RequestContext, @Param() params: StoreParams): Promise<StoreResponseDto> {
    return this.stores.get(ctx, params.storeName);
  }

  @Post(':storeName')
  @HttpCode(200)
  @RequirePermission('updateStore')
  @ApiOperation({ summary: 'Update an identity store' })
  @ApiOkResponse({ type: StoreResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.STORE_ALREADY_EXISTS)
  updateStore(
    @Ctx() ctx: RequestContext,
    @Param() params: StoreParams,
    @Body() dto: UpdateStoreDto,
  ): Promise<StoreResponseDto> {
    return this.stores.update(ctx, params.storeName, dto);
  }

  @Delete(':storeName')
  @HttpCode(204)
  @RequirePermission('deleteStore')
  @ApiOperation({
    summary: 'Delete an identity store with its users, passkeys and relying parties',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(ErrorCode.STORE_NOT_FOUND)
  deleteStore(@Ctx() ctx: RequestContext, @Param() params: StoreParams): Promise<void> {
    return this.stores.delete(ctx, params.storeName);
  }
}
