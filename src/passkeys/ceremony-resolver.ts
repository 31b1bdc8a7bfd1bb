import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../auth/request-context';
import { AuthenticationPolicyEntity } from '../policies/authentication-policy.entity';
import {
  AuthenticationPoliciesService,
  RegistrationPoliciesService,
} from '../policies/policies.service';
import { RegistrationPolicyEntity } from '../policies/registration-policy.entity';
import { RelyingPartiesService } from '../relying-parties/relying-parties.service';
import type { RelyingPartyEntity } from '../relying-parties/relying-party.entity';
import type { StoreEntity } from '../stores/store.entity';

export interface Resolved<P> {
  store: StoreEntity;
  rp: RelyingPartyEntity;
  policy: P;
}

/** Store → relying party → policy of a start route, each missing one with its own 404 code. */
@Injectable()
export class CeremonyResolver {
  constructor(
    private readonly rps: RelyingPartiesService,
    private readonly registration: RegistrationPoliciesService,
    private readonly authentication: AuthenticationPoliciesService,
  ) {}

  async forRegistration(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    policyName: string,
  ): Promise<Resolved<RegistrationPolicyEntity>> {
    const { store, rp } = await this.rps.resolve(ctx, storeName, rpId);
    return { store, rp, policy: await this.registration.policies.find(ctx, rp, policyName) };
  }

  async forAuthentication(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    policyName: string,
  ): Promise<Resolved<AuthenticationPolicyEntity>> {
    const { store, rp } = await this.rps.resolve(ctx, storeName, rpId);
    return { store, rp, policy: await this.authentication.policies.find(ctx, rp, policyName) };
  }
}
