import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiExtraModels,
  getSchemaPath,
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
  CreateUserDto,
  UpdateUserDto,
  UserExtIdParams,
  UserIdParams,
  UserListQueryDto,
  UserCursorPageDto,
  UserPageDto,
  UserResponseDto,
  UserWithSignalsDto,
} from './dto/user.dto';
import { UsersService } from './users.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Users')
@Controller('identity-store/stores/:storeName/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @RequirePermission('createUser')
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.EXT_ID_NOT_UNIQUE, ErrorCode.MAX_USERS_EXCEEDED)
  createUser(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Body() dto: CreateUserDto,
  ): Promise<UserResponseDto> {
    return this.users.create(ctx, p.storeName, dto);
  }

  @Get()
  @RequirePermission('listUsers')
  @ApiOperation({
    summary:
      'List users: filters externalId, status, userName, q; sort by createdAt, userName, externalId',
  })
  @ApiExtraModels(UserPageDto, UserCursorPageDto)
  @ApiOkResponse({
    description: 'A numbered page (`page`/`size`), or a keyset page with `after`/`limit`',
    schema: {
      oneOf: [{ $ref: getSchemaPath(UserPageDto) }, { $ref: getSchemaPath(UserCursorPageDto) }],
    },
  })
  @Fails(ErrorCode.STORE_NOT_FOUND)
  listUsers(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Query() query: UserListQueryDto,
  ): Promise<UserPageDto | UserCursorPageDto> {
    return this.users.list(ctx, p.storeName, query);
  }

  @Get(':userId')
  @RequirePermission('getUser')
  @ApiOperation({ summary: 'Read a user by id' })
  @ApiOkResponse({ type: UserResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  getUser(@Ctx() ctx: RequestContext, @Param() p: UserIdParams): Promise<UserResponseDto> {
    return this.users.get(ctx, p.storeName, { id: p.userId });
  }

  @Post(':userId')
  @HttpCode(200)
  @RequirePermission('updateUser')
  @ApiOperation({
    summary: 'Update a user by id (setting ACTIVE unlocks and clears the failure counters)',
  })
  @ApiOkResponse({ type: UserWithSignalsDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.EXT_ID_NOT_UNIQUE)
  updateUser(
    @Ctx() ctx: RequestContext,
    @Param() p: UserIdParams,
    @Body() dto: UpdateUserDto,
  ): Promise<UserWithSignalsDto> {
    return this.users.update(ctx, p.storeName, { id: p.userId }, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequirePermission('deleteUser')
  @ApiOperation({ summary: 'Delete a user by id, with its passkeys and open sessions' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  deleteUser(@Ctx() ctx: RequestContext, @Param() p: UserIdParams): Promise<void> {
    return this.users.delete(ctx, p.storeName, { id: p.userId });
  }

  @Get(':userExtId/ext')
  @RequirePermission('getUser')
  @ApiOperation({ summary: 'Read a user by external id' })
  @ApiOkResponse({ type: UserResponseDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  getUserByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: UserExtIdParams,
  ): Promise<UserResponseDto> {
    return this.users.get(ctx, p.storeName, { externalId: p.userExtId });
  }

  @Post(':userExtId/ext')
  @HttpCode(200)
  @RequirePermission('updateUser')
  @ApiOperation({ summary: 'Update a user by external id' })
  @ApiOkResponse({ type: UserWithSignalsDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND, ErrorCode.EXT_ID_NOT_UNIQUE)
  updateUserByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: UserExtIdParams,
    @Body() dto: UpdateUserDto,
  ): Promise<UserWithSignalsDto> {
    return this.users.update(ctx, p.storeName, { externalId: p.userExtId }, dto);
  }

  @Delete(':userExtId/ext')
  @HttpCode(204)
  @RequirePermission('deleteUser')
  @ApiOperation({ summary: 'Delete a user by external id' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  deleteUserByExtId(@Ctx() ctx: RequestContext, @Param() p: UserExtIdParams): Promise<void> {
    return this.users.delete(ctx, p.storeName, { externalId: p.userExtId });
  }
}
