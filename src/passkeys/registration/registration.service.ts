import { Injectable } from '@nestjs/common';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { DEFAULT_TRUST_POLICY, TrustPolicy } from '../../attestation/attestation-trust';
import { MetadataRepository } from '../../attestation/metadata.repository';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import type { RequestContext } from '../../auth/request-context';
import { DomainError, ErrorCode } from '../../common/errors';
import { TransactionHost } from '../../database/transaction-host';
import { StoresService } from '../../stores/stores.service';
import { UserEntity } from '../../users/user.entity';
import { UserRef, userNotFound, UsersService } from '../../users/users.service';
import { AttestationRequirement, UntrustedAttestation } from '../../policies/policy-enums';
import { authenticatorName } from '../webauthn/aaguid-names';
import { chooseChallenge, newUserHandle } from '../webauthn/challenge';
import { registrationOptions } from '../webauthn/options';
import { fromBase64Url } from '../webauthn/prechecks';
import { claimedAaguid, verifyAttestation } from '../webauthn/registration-ceremony';
import {
  CeremonyKind,
  CeremonySessionEntity,
  SessionStatus,
} from '../sessions/ceremony-session.entity';
import { auditRow } from '../sessions/rows';
import { SessionsRepository } from '../sessions/sessions.repository';
import { RegistrationRepository, RegistrationStartContext } from './registration.repository';
import {
  CeremonySessionDto,
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
    private readonly metadata: MetadataRepository,
  ) {}

  async start(
    ctx: RequestContext,
    target: StartTarget,
    ref: UserRef,
    dto: StartExtRegistrationDto,
  ): Promise<StartedCeremonyDto> {
    if (dto.userHandle !== undefined) {
      const bytes = fromBase64Url(dto.userHandle).length;
      if (bytes < 1 || bytes > 64)
        throw DomainError.invalidField('userHandle', 'must decode to 1-64 bytes');
    }
    const found = await this.repository.startContext(
      ctx.tenantId,
      target.storeName,
      target.rpId,
      target.regPolicyName,
      ref,
    );
    const challenge = chooseChallenge(dto.challenge, found.policy.allowExternalChallenge);
    if (found.user) return this.begin(ctx, found, found.user, false, challenge, dto);
    if (!dto.createUser || !('externalId' in ref)) throw userNotFound(ref);
    // The user, its handle and the session commit together: a refused start creates no user.
    return this.host.run(async () => {
      const store = await this.stores.find(ctx, target.storeName);
      const user = await this.users.insert(store, {
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
    if (!created && found.passkeyCount >= found.maxPasskeysPerUser) {
      throw new DomainError(
        ErrorCode.MAX_PASSKEYS_EXCEEDED,
        `The user already has the maximum of ${found.maxPasskeysPerUser} passkeys`,
      );
    }
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
   * Completes the session. `onSuccess` runs inside the same database transaction (the host
   * carries it), after the ceremony's own writes: whatever it writes commits or rolls back with
   * the success.
   */
  async complete(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteRegistrationDto,
    onSuccess?: (outcome: RegistrationOutcomeDto) => Promise<void>,
  ): Promise<RegistrationOutcomeDto> {
    const response = dto.clientResponse as unknown as RegistrationResponseJSON;
    const aaguid = claimedAaguid(response);
    const result = await this.host.run(async () => {
      const claimed = await this.repository.claim(ctx.tenantId, storeName, sessionId, aaguid);
      if (!claimed) {
        throw await this.sessions.notClaimable(
          ctx.tenantId,
          storeName,
          sessionId,
          CeremonyKind.REGISTRATION,
        );
      }
      const { session, user, metadata } = claimed;
      try {
        if (!user)
          throw new DomainError(
            ErrorCode.USER_NOT_FOUND,
            'The user of this session no longer exists',
          );
        assertMayUsePasskeys(user, Date.now());
        const credential = await verifyAttestation(response, {
          type: 'webauthn.create',
          challenge: session.challenge,
          rpId: session.snapshot.rpId,
          origins: session.snapshot.origins,
          requireUserVerification: session.snapshot.userVerification === 'required',
          algorithms: session.snapshot.algorithms ?? [],
          trust: trustPolicyOf(session.snapshot),
          // read with the claim; another AAGUID cannot occur (same bytes), but is read if it does
          metadataFor: async (verified) =>
            verified === aaguid ? metadata : this.metadata.find(verified),
        });
        const outcome: Omit<RegistrationOutcomeDto, 'passkeyId'> = {
          sessionId: session.id,
          status: 'SUCCEEDED',
          userId: user.id,
          externalId: user.externalId,
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
        const { belowCap, max, passkeyId } = await this.repository.recordSuccess(
          session,
          user.id,
          credential,
          outcome,
          auditRow(ctx, AuditEventType.PASSKEY_REGISTRATION_SUCCEEDED, {
            sessionId: session.id,
            userId: user.id,
          }),
        );
        if (!belowCap) {
          throw new DomainError(
            ErrorCode.MAX_PASSKEYS_EXCEEDED,
            `The user already has the maximum of ${max} passkeys`,
          );
        }
        if (!passkeyId) {
          throw new DomainError(
            ErrorCode.CREDENTIAL_ALREADY_REGISTERED,
            'This credential is already registered at this relying party',
          );
        }
        const registered: RegistrationOutcomeDto = { ...outcome, passkeyId };
        if (onSuccess) await onSuccess(registered);
        return { outcome: registered };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await this.recordFailure(ctx, session, error);
        return { error };
      }
    });
    if (result.error) throw result.error;
    return result.outcome!;
  }

  get(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.stores
      .find(ctx, storeName)
      .then((store) => this.sessions.get(store, sessionId, CeremonyKind.REGISTRATION));
  }

  cancel(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.stores
      .find(ctx, storeName)
      .then((store) => this.sessions.cancel(store, sessionId, CeremonyKind.REGISTRATION));
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

  private async recordFailure(
    ctx: RequestContext,
    session: CeremonySessionEntity,
    error: DomainError,
  ): Promise<void> {
    await this.sessions.end(session.id, { status: SessionStatus.FAILED, failure: error });
    await this.audit.record(ctx, {
      type: AuditEventType.PASSKEY_REGISTRATION_FAILED,
      details: { sessionId: session.id, userId: session.userId, code: error.code },
    });
  }
}
