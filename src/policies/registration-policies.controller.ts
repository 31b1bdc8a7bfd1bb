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
import { RegistrationPolicyParams } from './dto/policy-common.dto';
import {
  CreateRegistrationPolicyDto,
  PolicyListQueryDto,
  RegistrationPolicyPageDto,
  RegistrationPolicyResponseDto,
  UpdateRegistrationPolicyDto,
} from './dto/registration-policy.dto';
import { RegistrationPoliciesService } from './policies.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

@ApiTags('Registration policies')
@Controller('identity-store/stores/:storeName/passkeys/relyingParties/:rpId/registrationPolicies')
export class RegistrationPoliciesController {
  constructor(private readonly policies: RegistrationPoliciesService) {}

  @Post()
  @RequirePermission('createRegistrationPolicy')
  @ApiOperation({ summary: 'Create a registration policy for a relying party' })
  @ApiCreatedResponse({ type: RegistrationPolicyResponseDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.POLICY_ALREADY_EXISTS,
  )
  createRegistrationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Body() dto: CreateRegistrationPolicyDto,
  ): Promise<RegistrationPolicyResponseDto> {
    return this.policies.create(ctx, p.storeName, p.rpId, dto);
  }

  @Get()
  @RequirePermission('listRegistrationPolicies')
  @ApiOperation({ summary: 'List registration policies (sort by name, createdAt)' })
  @ApiOkResponse({ type: RegistrationPolicyPageDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.RELYING_PARTY_NOT_FOUND)
  listRegistrationPolicies(
    @Ctx() ctx: RequestContext,
    @Param() p: RelyingPartyParams,
    @Query() query: PolicyListQueryDto,
  ): Promise<RegistrationPolicyPageDto> {
    return this.policies.list(ctx, p.storeName, p.rpId, query);
  }

  @Get(':regPolicyName')
  @RequirePermission('getRegistrationPolicy')
  @ApiOperation({ summary: 'Read a registration policy' })
  @ApiOkResponse({ type: RegistrationPolicyResponseDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
  )
  getRegistrationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: RegistrationPolicyParams,
  ): Promise<RegistrationPolicyResponseDto> {
    return this.policies.get(ctx, p.storeName, p.rpId, p.regPolicyName);
  }

  @Post(':regPolicyName')
  @HttpCode(200)
  @RequirePermission('updateRegistrationPolicy')
  @ApiOperation({ summary: 'Update a registration policy' })
  @ApiOkResponse({ type: RegistrationPolicyResponseDto })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
  )
  updateRegistrationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: RegistrationPolicyParams,
    @Body() dto: UpdateRegistrationPolicyDto,
  ): Promise<RegistrationPolicyResponseDto> {
    return this.policies.update(ctx, p.storeName, p.rpId, p.regPolicyName, dto);
  }

  @Delete(':regPolicyName')
  @HttpCode(204)
  @RequirePermission('deleteRegistrationPolicy')
  @ApiOperation({ summary: 'Delete a registration policy' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
  )
  deleteRegistrationPolicy(
    @Ctx() ctx: RequestContext,
    @Param() p: RegistrationPolicyParams,
  ): Promise<void> {
    return this.policies.delete(ctx, p.storeName, p.rpId, p.regPolicyName);
  }
}
