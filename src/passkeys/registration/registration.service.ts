import { Injectable } from '@nestjs/common';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { DEFAULT_TRUST_POLICY, TrustPolicy } from '../../attestation/attestation-trust';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import type { RequestContext } from '../../auth/request-context';
import { DomainError, ErrorCode } from '../../common/errors';
import { TransactionHost } from '../../database/transaction-host';
import { StoresService } from '../../stores/stores.service';
import { assertPasskeyQuota, maxPasskeysExceeded } from '../../tenants/tenant-rules';
import { UserEntity } from '../../users/user.entity';
import { UserRef, userNotFound, UsersService } from '../../users/users.service';
import { AttestationRequirement, UntrustedAttestation } from '../../policies/policy-enums';
import { authenticatorName } from '../webauthn/aaguid-names';
import {
  boundChallenge,
  chooseChallenge,
  expectedChallenge,
  newUserHandle,
} from '../webauthn/challenge';
import { registrationOptions } from '../webauthn/options';
import { fromBase64Url } from '../webauthn/prechecks';
import { randomUUID } from 'node:crypto';
import {
  claimedAaguid,
  decodeAttestation,
  NewCredential,
  verifyAttestation,
} from '../webauthn/registration-ceremony';
import { CeremonyKind, CeremonySessionEntity } from '../sessions/ceremony-session.entity';
import { assertMintedTarget, auditRow } from '../sessions/rows';
import { SessionsRepository } from '../sessions/sessions.repository';
import {
  CeremonyProof,
  Changed,
  complete as completeSession,
  Completed,
  Proven,
  StepUpHook,
  withResultToken,
} from '../sessions/settle';
import { ResultTokenService } from '../../signing/result-tokens';
import { RegistrationRepository, RegistrationStartContext } from './registration.repository';
import {
  CeremonySessionDto,
  RegistrationCompletedDto,
  RegistrationOutcomeDto,
  StartedCeremonyDto,
  StartExtRegistrationDto,
} from '../dto/ceremony.dto';
import { CompleteRegistrationDto } from '../dto/client-response.dto';
import { assertMayUsePasskeys } from '../webauthn/lockout';

/** The policy's trust rules as frozen at the start (defaults for sessions older than them). */
function trustPolicyOf(snapshot: CeremonySessionEntity['snapshot']): TrustPolicy {
  return {
    requirement:
      (snapshot.attestationRequirement as AttestationRequirement) ??
      DEFAULT_TRUST_POLICY.requirement,
    untrusted:
      (snapshot.untrustedAttestation as UntrustedAttestation) ?? DEFAULT_TRUST_POLICY.untrusted,
    allowList: snapshot.aaguidAllowList ?? [],
    denyList: snapshot.aaguidDenyList ?? [],
  };
}

interface StartTarget {
  storeName: string;
  rpId: string;
  regPolicyName: string;
  /** A step-up transaction's: the ids of the store and relying party it was minted for. */
  minted?: { storeId: string; relyingPartyId: string };
}

/**
 * Passkey registration: start (for a user by id or external id, which the /ext form may create)
 * and complete. Reads and writes go through RegistrationRepository in few round trips.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly host: TransactionHost,
    private readonly repository: RegistrationRepository,
    private readonly stores: StoresService,
    private readonly users: UsersService,
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    private readonly results: ResultTokenService,
  ) {}

  async start(
    ctx: RequestContext,
    target: StartTarget,
    ref: UserRef,
    dto: StartExtRegistrationDto,
    /** A step-up's transaction data hash: the challenge commits to it. */
    dataHash?: Buffer,
  ): Promise<StartedCeremonyDto> {
    if (dto.userHandle !== undefined) {
      const bytes = fromBase64Url(dto.userHandle).length;
      if (bytes < 1 || bytes > 64)
        throw DomainError.invalidField('userHandle', 'must decode to 1-64 bytes');
    }
    const found = await this.repository.startContext(
      ctx,
      target.storeName,
      target.rpId,
      target.regPolicyName,
      ref,
    );
    assertMintedTarget({ storeId: found.storeId, relyingPartyId: found.rp.id }, target.minted);
    const challenge = dataHash
      ? boundChallenge(dataHash)
      : chooseChallenge(dto.challenge, found.policy.allowExternalChallenge);
    if (found.user) return this.begin(ctx, found, found.user, false, challenge, dto);
    if (!dto.createUser || !('externalId' in ref)) throw userNotFound(ref);
    // The user, its handle and the session commit together: a refused start creates no user.
    return this.host.run(async () => {
      const store = await this.stores.find(ctx, target.storeName);
      const user = await this.users.insert(ctx, store, {
        externalId: ref.externalId,
        userName: dto.userName ?? ref.externalId,
        displayName: dto.displayName,
      });
      return this.begin(ctx, found, user, true, challenge, dto);
    });
  }

  private async begin(
    ctx: RequestContext,
    found: RegistrationStartContext,
    user: UserEntity,
    created: boolean,
    challenge: string,
    dto: StartExtRegistrationDto,
  ): Promise<StartedCeremonyDto> {
    const { rp, policy } = found;
    assertMayUsePasskeys(user, Date.now());
    const handle = await this.userHandle(user, rp.id, created ? null : found.handle, dto);
    if (!created) assertPasskeyQuota(found.passkeyCount, found.maxPasskeysPerUser);
    const clientRequest = await registrationOptions({
      rp: { id: rp.rpId, name: rp.name },
      user: {
        handle,
        name: dto.userName ?? user.userName,
        displayName: dto.displayName ?? user.displayName,
      },
      challenge,
      timeoutMs: policy.timeoutMs,
      authenticatorAttachment: policy.authenticatorAttachment,
      residentKey: policy.residentKey,
      userVerification: policy.userVerification,
      attestation: policy.attestation,
      algorithms: policy.algorithms,
      hints: policy.hints,
      excludeCredentials: policy.excludeExistingCredentials && !created ? found.existing : [],
    });
    const expiresAt = new Date(Date.now() + policy.timeoutMs);
    const sessionId = await this.sessions.insert(
      {
        kind: CeremonyKind.REGISTRATION,
        tenantId: ctx.tenantId,
        storeId: found.storeId,
        relyingPartyId: rp.id,
        userId: user.id,
        challenge,
        clientRequest,
        snapshot: {
          rpId: rp.rpId,
          origins: rp.origins,
          policyName: policy.name,
          userVerification: policy.userVerification,
          algorithms: policy.algorithms,
          aaguidAllowList: policy.aaguidAllowList,
          aaguidDenyList: policy.aaguidDenyList,
          attestationRequirement: policy.attestationRequirement,
          untrustedAttestation: policy.untrustedAttestation,
          userHandle: handle,
          passkeyDisplayName: dto.passkeyDisplayName ?? 'Passkey',
          createdUser: created,
        },
        expiresAt,
      },
      auditRow(ctx, AuditEventType.PASSKEY_REGISTRATION_STARTED, {
        userId: user.id,
        rpId: rp.rpId,
        policy: policy.name,
        createdUser: created,
      }),
    );
    return {
      sessionId,
      clientRequest: clientRequest as unknown as Record<string, unknown>,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /**
   * Completes the session: one read, the verification, one statement that claims the session and
   * inserts the passkey (no transaction on the way of a success). When the user changed in
   * between, judged again holding the user's row lock. `onSuccess` runs inside a transaction with
   * the success: whatever it writes commits or rolls back with it.
   */
  async complete(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteRegistrationDto,
  ): Promise<RegistrationCompletedDto> {
    return withResultToken(await this.settle(ctx, storeName, sessionId, dto));
  }

  /** Completes the session of a step-up transaction (its hook writes the nonce). */
  async completeStepUp(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteRegistrationDto,
    hook: StepUpHook<RegistrationOutcomeDto>,
  ): Promise<RegistrationOutcomeDto> {
    return (await this.settle(ctx, storeName, sessionId, dto, hook)).dto;
  }

  private settle(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteRegistrationDto,
    hook?: StepUpHook<RegistrationOutcomeDto>,
  ): Promise<Proven<RegistrationOutcomeDto>> {
    const response = dto.clientResponse as unknown as RegistrationResponseJSON;
    return completeSession(
      this.host,
      () => this.round(ctx, storeName, sessionId, response, hook),
      (changed) => this.repository.lockUser(ctx.tenantId, changed.userId),
      !!hook,
    );
  }

  private async round(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    response: RegistrationResponseJSON,
    hook?: StepUpHook<RegistrationOutcomeDto>,
  ): Promise<Completed<Proven<RegistrationOutcomeDto>> | Changed<{ userId: string }>> {
    const decoded = decodeAttestation(response);
    const aaguid = claimedAaguid(decoded);
    const read = await this.repository.read(ctx, storeName, sessionId, aaguid);
    if (!read) throw await this.notClaimable(ctx, storeName, sessionId);
    const { session, user, metadata } = read;
    const failed = async (
      error: DomainError,
    ): Promise<Completed<Proven<RegistrationOutcomeDto>>> => {
      // false: a concurrent completion ended the session first; answer as a replay is answered
      if (!(await this.recordFailure(ctx, session, error)))
        throw await this.notClaimable(ctx, storeName, sessionId);
      return { error };
    };
    let outcome: RegistrationOutcomeDto;
    let credential: NewCredential;
    try {
      if (!user)
        throw new DomainError(
          ErrorCode.USER_NOT_FOUND,
          'The user of this session no longer exists',
        );
      assertMayUsePasskeys(user, Date.now());
      credential = await verifyAttestation(response, decoded, {
        type: 'webauthn.create',
        challenge: expectedChallenge(session.challenge, hook?.dataHash),
        rpId: session.snapshot.rpId,
        origins: session.snapshot.origins,
        requireUserVerification: session.snapshot.userVerification === 'required',
        algorithms: session.snapshot.algorithms ?? [],
        trust: trustPolicyOf(session.snapshot),
        // read with the session for the AAGUID the response claims: the verified one is the same
        metadataFor: async (verified) => {
          if (verified !== aaguid)
            throw new DomainError(ErrorCode.VERIFICATION_FAILED, 'The AAGUID is ambiguous');
          return metadata;
        },
      });
      outcome = {
        sessionId: session.id,
        status: 'SUCCEEDED',
        userId: user.id,
        externalId: user.externalId,
        passkeyId: randomUUID(),
        credentialId: credential.credentialId,
        userVerified: credential.userVerified,
        backupEligible: credential.backupEligible,
        backedUp: credential.backedUp,
        aaguid: credential.aaguid,
        authenticatorName: credential.attestation.authenticatorName,
        claimedAuthenticatorName: authenticatorName(credential.aaguid),
        attestationFormat: credential.attestationFormat,
        attestationVerified: credential.attestation.verified,
        attestationTrusted: credential.attestation.trusted,
        attestationRootSha256: credential.attestation.rootSha256,
        attestationRootSubject: credential.attestation.rootSubject,
        createdUser: session.snapshot.createdUser ?? false,
      };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return failed(error);
    }
    // the API's completion answers a result token: its key is loaded before anything commits
    const signer = hook ? undefined : await this.results.signer(ctx.tenantId);
    const settled = await this.repository.settleSuccess(ctx.tenantId, {
      session,
      userId: user.id,
      userVersion: read.userVersion,
      passkeyId: outcome.passkeyId,
      credential,
      outcome,
      audit: auditRow(ctx, AuditEventType.PASSKEY_REGISTRATION_SUCCEEDED, {
        sessionId: session.id,
        userId: user.id,
        passkeyId: outcome.passkeyId,
      }),
    });
    if (settled === 'changed') return { changed: { userId: user.id } };
    if (settled === 'gone') throw await this.notClaimable(ctx, storeName, sessionId);
    if (settled === 'credentialTaken') {
      return failed(
        new DomainError(
          ErrorCode.CREDENTIAL_ALREADY_REGISTERED,
          'This credential is already registered at this relying party',
        ),
      );
    }
    if (settled !== 'claimed') return failed(maxPasskeysExceeded(settled.capExceeded));
    const proof: CeremonyProof = {
      sessionId: session.id,
      tenantId: ctx.tenantId,
      storeName,
      rpId: session.snapshot.rpId,
      kind: 'registration',
      userId: user.id,
      externalId: user.externalId,
      passkeyId: outcome.passkeyId,
      userVerified: outcome.userVerified,
      backupEligible: outcome.backupEligible,
      backedUp: outcome.backedUp,
      aaguid: outcome.aaguid,
      attestation: {
        format: outcome.attestationFormat,
        verified: outcome.attestationVerified,
        trusted: outcome.attestationTrusted,
      },
    };
    if (hook) await hook.onSuccess(outcome, proof);
    return { outcome: { dto: outcome, proof, signer } };
  }

  private notClaimable(ctx: RequestContext, storeName: string, sessionId: string) {
    return this.sessions.notClaimable(
      ctx.tenantId,
      storeName,
      sessionId,
      CeremonyKind.REGISTRATION,
    );
  }

  get(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.sessions.get(ctx.tenantId, storeName, sessionId, CeremonyKind.REGISTRATION);
  }

  cancel(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.sessions.cancel(
      ctx.tenantId,
      storeName,
      sessionId,
      CeremonyKind.REGISTRATION,
      auditRow(ctx, AuditEventType.PASSKEY_REGISTRATION_CANCELLED, {}),
    );
  }

  /**
   * The user's handle at this relying party: made once (random unless given), then kept. A
   * requested handle must be the one kept.
   */
  private async userHandle(
    user: UserEntity,
    relyingPartyId: string,
    existing: string | null,
    dto: StartExtRegistrationDto,
  ): Promise<string> {
    const kept =
      existing ??
      (await this.repository.ensureHandle(
        user.tenantId,
        user.id,
        relyingPartyId,
        dto.userHandle ?? newUserHandle(),
      ));
    if (!kept || (dto.userHandle !== undefined && kept !== dto.userHandle)) {
      throw new DomainError(
        ErrorCode.USER_HANDLE_MISMATCH,
        'The user already has another handle at this relying party, or the handle is taken',
        {
          errors: [
            {
              field: 'userHandle',
              in: 'body',
              message: 'does not match the user handle at this relying party',
            },
          ],
        },
      );
    }
    return kept;
  }

  /** The session ends FAILED with the reason and its audit event; false when it was not pending. */
  private recordFailure(
    ctx: RequestContext,
    session: CeremonySessionEntity,
    error: DomainError,
  ): Promise<boolean> {
    return this.host.run(async () => {
      if (!(await this.sessions.failPending(ctx.tenantId, session, error))) return false;
      await this.audit.record(ctx, {
        type: AuditEventType.PASSKEY_REGISTRATION_FAILED,
        details: { sessionId: session.id, userId: session.userId, code: error.code },
      });
      return true;
    });
  }
}
