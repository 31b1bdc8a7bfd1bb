import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { ErrorCode } from '../common/errors';
import { Page, PageQueryDto } from '../common/pagination/page';
import { RelyingPartiesService } from '../relying-parties/relying-parties.service';
import { AuthenticationPolicyEntity } from './authentication-policy.entity';
import {
  AUTHENTICATION_DEFAULTS,
  AuthenticationPolicyResponseDto,
  CreateAuthenticationPolicyDto,
  UpdateAuthenticationPolicyDto,
} from './dto/authentication-policy.dto';
import {
  CreateRegistrationPolicyDto,
  REGISTRATION_DEFAULTS,
  RegistrationPolicyResponseDto,
  UpdateRegistrationPolicyDto,
} from './dto/registration-policy.dto';
import { PolicyRepository } from './policy-repository';
import { RegistrationPolicyEntity } from './registration-policy.entity';

function mapPage<E, D>(page: Page<E>, map: (e: E) => D): Page<D> {
  return { ...page, content: page.content.map(map) };
}

@Injectable()
export class RegistrationPoliciesService {
  readonly policies: PolicyRepository<RegistrationPolicyEntity>;

  constructor(
    host: TransactionHost,
    private readonly rps: RelyingPartiesService,
  ) {
    this.policies = new PolicyRepository(
      host,
      RegistrationPolicyEntity,
      ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
      'registration',
    );
  }

  async create(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: CreateRegistrationPolicyDto,
  ): Promise<RegistrationPolicyResponseDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const created = await this.policies.create(ctx, rp, {
      ...REGISTRATION_DEFAULTS,
      ...withoutUndefined(dto),
    });
    return RegistrationPolicyResponseDto.from(created);
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    query: PageQueryDto,
  ): Promise<Page<RegistrationPolicyResponseDto>> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    return mapPage(await this.policies.list(ctx, rp, query), RegistrationPolicyResponseDto.from);
  }

  async get(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    name: string,
  ): Promise<RegistrationPolicyResponseDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    return RegistrationPolicyResponseDto.from(await this.policies.find(ctx, rp, name));
  }

  async update(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    name: string,
    dto: UpdateRegistrationPolicyDto,
  ): Promise<RegistrationPolicyResponseDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const policy = await this.policies.find(ctx, rp, name);
    return RegistrationPolicyResponseDto.from(await this.policies.update(policy, dto));
  }

  async delete(ctx: RequestContext, storeName: string, rpId: string, name: string): Promise<void> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    await this.policies.delete(await this.policies.find(ctx, rp, name));
  }
}

@Injectable()
export class AuthenticationPoliciesService {
  readonly policies: PolicyRepository<AuthenticationPolicyEntity>;

  constructor(
    host: TransactionHost,
    private readonly rps: RelyingPartiesService,
  ) {
    this.policies = new PolicyRepository(
      host,
      AuthenticationPolicyEntity,
      ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
      'authentication',
    );
  }

  async create(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: CreateAuthenticationPolicyDto,
  ): Promise<AuthenticationPolicyResponseDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const created = await this.policies.create(ctx, rp, {
      ...AUTHENTICATION_DEFAULTS,
      ...withoutUndefined(dto),
    });
    return AuthenticationPolicyResponseDto.from(created);
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    query: PageQueryDto,
  ): Promise<Page<AuthenticationPolicyResponseDto>> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    return mapPage(await this.policies.list(ctx, rp, query), AuthenticationPolicyResponseDto.from);
  }

  async get(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    name: string,
  ): Promise<AuthenticationPolicyResponseDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    return AuthenticationPolicyResponseDto.from(await this.policies.find(ctx, rp, name));
  }

  async update(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    name: string,
    dto: UpdateAuthenticationPolicyDto,
  ): Promise<AuthenticationPolicyResponseDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const policy = await this.policies.find(ctx, rp, name);
    return AuthenticationPolicyResponseDto.from(await this.policies.update(policy, dto));
  }

  async delete(ctx: RequestContext, storeName: string, rpId: string, name: string): Promise<void> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    await this.policies.delete(await this.policies.find(ctx, rp, name));
  }
}

function withoutUndefined<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;
}
