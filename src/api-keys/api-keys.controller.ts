import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RateLimited, RequireApiKey, RequirePermission } from '../auth/permission.decorator';
import { Ctx, CurrentPrincipal, Principal, RequestContext } from '../auth/request-context';
import { ProblemDto } from '../openapi/problem.dto';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyIdParams,
  ApiKeyListQueryDto,
  ApiKeyPageDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  IssuedTokenDto,
  UpdateApiKeyDto,
} from './dto/api-key.dto';

@ApiTags('API keys')
@Controller('identity-store/apiKeys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RequirePermission('createApiKey')
  @ApiOperation({ summary: 'Create an API key (the secret is in this response only)' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  createApiKey(
    @Ctx() ctx: RequestContext,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponseDto> {
    return this.apiKeys.create(ctx, dto);
  }

  @Post('issue')
  @RequireApiKey()
  @RateLimited()
  @ApiOperation({ summary: 'Exchange the X-Api-Key for a short-lived bearer token' })
  @ApiCreatedResponse({ type: IssuedTokenDto })
  issueToken(@CurrentPrincipal() principal: Principal): IssuedTokenDto {
    return this.apiKeys.issueToken(principal);
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
  @ApiNotFoundResponse({ type: ProblemDto, description: 'API_KEY_NOT_FOUND' })
  getApiKey(
    @Ctx() ctx: RequestContext,
    @Param() params: ApiKeyIdParams,
  ): Promise<ApiKeyResponseDto> {
    return this.apiKeys.get(ctx, params.apiKeyId);
  }

  @Post(':apiKeyId')
  @HttpCode(200)
  @RequirePermission('updateApiKey')
  @ApiOperation({ summary: 'Update an API key: name, description, status, permissions, expiry' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'API_KEY_NOT_FOUND' })
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
  @ApiOperation({ summary: 'Delete an API key' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'API_KEY_NOT_FOUND' })
  deleteApiKey(@Ctx() ctx: RequestContext, @Param() params: ApiKeyIdParams): Promise<void> {
    return this.apiKeys.delete(ctx, params.apiKeyId);
  }
}
