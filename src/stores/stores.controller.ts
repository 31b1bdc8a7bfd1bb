import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { ProblemDto } from '../openapi/problem.dto';
import {
  CreateStoreDto,
  StoreListQueryDto,
  StorePageDto,
  StoreParams,
  StoreResponseDto,
  UpdateStoreDto,
} from './dto/store.dto';
import { StoresService } from './stores.service';

@ApiTags('Stores')
@Controller('identity-store/stores')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Post()
  @RequirePermission('createStore')
  @ApiOperation({ summary: 'Create an identity store' })
  @ApiCreatedResponse({ type: StoreResponseDto })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'STORE_ALREADY_EXISTS, MAX_STORES_EXCEEDED',
  })
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
  @ApiNotFoundResponse({ type: ProblemDto, description: 'STORE_NOT_FOUND' })
  getStore(@Ctx() ctx: RequestContext, @Param() params: StoreParams): Promise<StoreResponseDto> {
    return this.stores.get(ctx, params.storeName);
  }

  @Post(':storeName')
  @HttpCode(200)
  @RequirePermission('updateStore')
  @ApiOperation({ summary: 'Update an identity store' })
  @ApiOkResponse({ type: StoreResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'STORE_NOT_FOUND' })
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
  @ApiNotFoundResponse({ type: ProblemDto, description: 'STORE_NOT_FOUND' })
  deleteStore(@Ctx() ctx: RequestContext, @Param() params: StoreParams): Promise<void> {
    return this.stores.delete(ctx, params.storeName);
  }
}
