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
import { RelyingPartyParams } from '../relying-parties/dto/relying-party.dto';
import { AuthenticationPolicyParams } from './dto/policy-common.dto';
import { PolicyListQueryDto } from './dto/registration-policy.dto';
import {
  CreateAuthenticationPolicyDto,
  AuthenticationPolicyPageDto,
  AuthenticationPolicyResponseDto,
  UpdateAuthenticationPolicyDto,
} from './dto/authentication-policy.dto';
import { AuthenticationPoliciesService } from './policies.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Authentication policies')
@Controller('identity-store/stores/:storeName/passkeys/relyingParties/:rpId/authenticationPolicies')
export class AuthenticationPoliciesController {
  constructor(private readonly policies: AuthenticationPoliciesService) {}

  @Post()
  @RequirePermission('createAuthenticationPolicy')
  @ApiOperation({ summary: 'Create a authentication policy for a relying party' })
  @ApiCreatedResponse({ type: AuthenticationPolicyResponseDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.POLICY_ALREADY_EXISTS,
  )
  createAuthenticationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Body() dto: CreateAuthenticationPolicyDto,
  ): Promise<AuthenticationPolicyResponseDto> {
    return this.policies.create(ctx, p.storeName, p.rpId, dto);
  }

  @Get()
  @RequirePermission('listAuthenticationPolicies')
  @ApiOperation({ summary: 'List authentication policies (sort by name, createdAt)' })
  @ApiOkResponse({ type: AuthenticationPolicyPageDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_NOT_FOUND)
  listAuthenticationPolicies(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Query() query: PolicyListQueryDto,
  ): Promise<AuthenticationPolicyPageDto> {
    return this.policies.list(ctx, p.storeName, p.rpId, query);
  }

  @Get(':authPolicyName')
  @RequirePermission('getAuthenticationPolicy')
  @ApiOperation({ summary: 'Read a authentication policy' })
  @ApiOkResponse({ type: AuthenticationPolicyResponseDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
  )
  getAuthenticationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: AuthenticationPolicyParams,
  ): Promise<AuthenticationPolicyResponseDto> {
    return this.policies.get(ctx, p.storeName, p.rpId, p.authPolicyName);
  }

  @Post(':authPolicyName')
  @HttpCode(200)
  @RequirePermission('updateAuthenticationPolicy')
  @ApiOperation({ summary: 'Update a authentication policy' })
  @ApiOkResponse({ type: AuthenticationPolicyResponseDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
  )
  updateAuthenticationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: AuthenticationPolicyParams,
    @Body() dto: UpdateAuthenticationPolicyDto,
  ): Promise<AuthenticationPolicyResponseDto> {
    return this.policies.update(ctx, p.storeName, p.rpId, p.authPolicyName, dto);
  }

  @Delete(':authPolicyName')
  @HttpCode(204)
  @RequirePermission('deleteAuthenticationPolicy')
  @ApiOperation({ summary: 'Delete a authentication policy' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
  )
  deleteAuthenticationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: AuthenticationPolicyParams,
  ): Promise<void> {
    return this.policies.delete(ctx, p.storeName, p.rpId, p.authPolicyName);
  }
}
