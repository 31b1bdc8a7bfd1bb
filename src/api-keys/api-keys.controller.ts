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
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyIdParams,
  ApiKeyListQueryDto,
  ApiKeyPageDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  UpdateApiKeyDto,
} from './dto/api-key.dto';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

const MANAGE_RULE =
  'The caller must hold every permission the target key holds (the rule for granting), ' +
  'else PERMISSION_ESCALATION.';

@ApiTags('API keys')
@Controller('identity-store/apiKeys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RequirePermission('createApiKey')
  @ApiOperation({
    summary: 'Create an API key (the secret is in this response only)',
    description:
      'The caller grants only permissions it holds, and, when its own key expires, no later ' +
      'expiry and not "never" (give expiresAt); else PERMISSION_ESCALATION.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @Fails(ErrorCode.PERMISSION_ESCALATION)
  createApiKey(
    @Ctx() ctx: RequestContext,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponseDto> {
    return this.apiKeys.create(ctx, dto);
  }

  @Get()
  @RequirePermission('listApiKeys')
  @ApiOperation({ summary: 'List API keys (sort by createdAt, name, lastUsedAt)' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  listApiKeys(
    @Ctx() ctx: RequestContext,
    @Query() query: ApiKeyListQueryDto,
  ): Promise<ApiKeyPageDto> {
    return this.apiKeys.list(ctx, query);
  }

  @Get(':apiKeyId')
  @RequirePermission('getApiKey')
  @ApiOperation({ summary: 'Read an API key' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @Fails(ErrorCode.API_KEY_NOT_FOUND)
  getApiKey(
    @Ctx() ctx: RequestContext,
    @Param() params: ApiKeyIdParams,
  ): Promise<ApiKeyResponseDto> {
    return this.apiKeys.get(ctx, params.apiKeyId);
  }

  @Post(':apiKeyId')
  @HttpCode(200)
  @RequirePermission('updateApiKey')
  @ApiOperation({
    summary: 'Update an API key: name, description, status, permissions, expiry',
    description:
      MANAGE_RULE +
      ' A caller whose key expires gives no later expiry, not "never", and does not make ACTIVE ' +
      '(or change the permissions of) a key that would outlive it. An ARCHIVED key keeps its ' +
      'status, permissions and expiry.',
  })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @Fails(ErrorCode.API_KEY_NOT_FOUND, ErrorCode.API_KEY_ARCHIVED, ErrorCode.PERMISSION_ESCALATION)
  updateApiKey(
    @Ctx() ctx: RequestContext,
    @Param() params: ApiKeyIdParams,
    @Body() dto: UpdateApiKeyDto,
  ): Promise<ApiKeyResponseDto> {
    return this.apiKeys.update(ctx, params.apiKeyId, dto);
  }

  @Delete(':apiKeyId')
  @HttpCode(204)
  @RequirePermission('deleteApiKey')
  @ApiOperation({ summary: 'Delete an API key', description: MANAGE_RULE })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(ErrorCode.API_KEY_NOT_FOUND, ErrorCode.PERMISSION_ESCALATION)
  deleteApiKey(@Ctx() ctx: RequestContext, @Param() params: ApiKeyIdParams): Promise<void> {
    return this.apiKeys.delete(ctx, params.apiKeyId);
  }
}
