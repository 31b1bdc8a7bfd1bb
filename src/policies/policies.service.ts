import { Injectable } from '@nestjs/common';
import type { EntityTarget } from 'typeorm';
import { auditChanges, auditSummary } from '../audit/audit-details';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
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
import { PolicyRepository, PolicyRow } from './policies.repository';
import { RegistrationPolicyEntity } from './registration-policy.entity';

/** What sets one policy kind apart from the other; everything else they share. */
export interface PolicyKind<E, R> {
  /** Its word in messages: "No registration policy …". */
  name: string;
  entity: EntityTarget<E>;
  notFound: ErrorCode;
  /** What a create fills in for the fields it leaves out. */
  defaults: Partial<E>;
  toResponse: (policy: E) => R;
  /** Its settings, as the audit log shows them (all of them are configuration). */
  audited: (keyof E & string)[];
  events: { created: AuditEventType; updated: AuditEventType; deleted: AuditEventType };
}

export const REGISTRATION_POLICY: PolicyKind<
  RegistrationPolicyEntity,
  RegistrationPolicyResponseDto
> = {
  name: 'registration',
  entity: RegistrationPolicyEntity,
  notFound: ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
  defaults: REGISTRATION_DEFAULTS,
  toResponse: (policy) => RegistrationPolicyResponseDto.from(policy),
  audited: [
    'name',
    'authenticatorAttachment',
    'residentKey',
    'userVerification',
    'attestation',
    'timeoutMs',
    'algorithms',
    'allowExternalChallenge',
    'aaguidAllowList',
    'aaguidDenyList',
    'attestationRequirement',
    'untrustedAttestation',
    'excludeExistingCredentials',
    'hints',
  ],
  events: {
    created: AuditEventType.REGISTRATION_POLICY_CREATED,
    updated: AuditEventType.REGISTRATION_POLICY_UPDATED,
    deleted: AuditEventType.REGISTRATION_POLICY_DELETED,
  },
};

export const AUTHENTICATION_POLICY: PolicyKind<
  AuthenticationPolicyEntity,
  AuthenticationPolicyResponseDto
> = {
  name: 'authentication',
  entity: AuthenticationPolicyEntity,
  notFound: ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
  defaults: AUTHENTICATION_DEFAULTS,
  toResponse: (policy) => AuthenticationPolicyResponseDto.from(policy),
  audited: [
    'name',
    'userVerification',
    'timeoutMs',
    'allowExternalChallenge',
    'counterPolicy',
    'allowDiscoverable',
    'hints',
  ],
  events: {
    created: AuditEventType.AUTHENTICATION_POLICY_CREATED,
    updated: AuditEventType.AUTHENTICATION_POLICY_UPDATED,
    deleted: AuditEventType.AUTHENTICATION_POLICY_DELETED,
  },
};

/**
 * The policy routes of one kind: a relying party's policies, created with the kind's defaults,
 * read, listed, updated and deleted. `E` the entity, `C`/`U` the create/update bodies, `R` the
 * response.
 */
export class PoliciesService<E extends PolicyRow, C extends Partial<E>, U extends Partial<E>, R> {
  readonly policies: PolicyRepository<E>;

  constructor(
    private readonly host: TransactionHost,
    private readonly rps: RelyingPartiesService,
    private readonly audit: AuditService,
    private readonly kind: PolicyKind<E, R>,
  ) {
    this.policies = new PolicyRepository(host, kind.entity, kind.notFound, kind.name);
  }

  async create(ctx: RequestContext, storeName: string, rpId: string, dto: C): Promise<R> {
    const created = await this.host.run(async () => {
      const { rp } = await this.rps.resolve(ctx, storeName, rpId);
      const policy = await this.policies.create(ctx, rp, {
        ...this.kind.defaults,
        ...withoutUndefined(dto),
      });
      await this.audit.record(ctx, {
        type: this.kind.events.created,
        details: { policyId: policy.id, rpId, after: auditSummary(policy, this.kind.audited) },
      });
      return policy;
    });
    return this.kind.toResponse(created);
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    query: PageQueryDto,
  ): Promise<Page<R>> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const page = await this.policies.list(ctx, rp, query);
    return { ...page, content: page.content.map(this.kind.toResponse) };
  }

  async get(ctx: RequestContext, storeName: string, rpId: string, name: string): Promise<R> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    return this.kind.toResponse(await this.policies.find(ctx, rp, name));
  }

  async update(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    name: string,
    dto: U,
  ): Promise<R> {
    const updated = await this.host.run(async () => {
      const { rp } = await this.rps.resolve(ctx, storeName, rpId);
      const policy = await this.policies.find(ctx, rp, name, { lock: true });
      const before = auditSummary(policy, this.kind.audited);
      const saved = await this.policies.update(policy, dto);
      await this.audit.record(ctx, {
        type: this.kind.events.updated,
        details: {
          policyId: saved.id,
          rpId,
          ...auditChanges(before, auditSummary(saved, this.kind.audited)),
        },
      });
      return saved;
    });
    return this.kind.toResponse(updated);
  }

  async delete(ctx: RequestContext, storeName: string, rpId: string, name: string): Promise<void> {
    await this.host.run(async () => {
      const { rp } = await this.rps.resolve(ctx, storeName, rpId);
      const policy = await this.policies.find(ctx, rp, name, { lock: true });
      await this.policies.delete(policy);
      await this.audit.record(ctx, {
        type: this.kind.events.deleted,
        details: { policyId: policy.id, rpId, before: auditSummary(policy, this.kind.audited) },
      });
    });
  }
}

/** The registration kind, as a provider of its own (its controller and the ceremonies inject it). */
@Injectable()
export class RegistrationPoliciesService extends PoliciesService<
  RegistrationPolicyEntity,
  CreateRegistrationPolicyDto,
  UpdateRegistrationPolicyDto,
  RegistrationPolicyResponseDto
> {
  constructor(host: TransactionHost, rps: RelyingPartiesService, audit: AuditService) {
    super(host, rps, audit, REGISTRATION_POLICY);
  }
}

/** The authentication kind, as a provider of its own. */
@Injectable()
export class AuthenticationPoliciesService extends PoliciesService<
  AuthenticationPolicyEntity,
  CreateAuthenticationPolicyDto,
  UpdateAuthenticationPolicyDto,
  AuthenticationPolicyResponseDto
> {
  constructor(host: TransactionHost, rps: RelyingPartiesService, audit: AuditService) {
    super(host, rps, audit, AUTHENTICATION_POLICY);
  }
}

function withoutUndefined<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;
}
