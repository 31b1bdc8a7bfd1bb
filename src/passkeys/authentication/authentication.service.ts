import { Injectable } from '@nestjs/common';
import { assertModelMaySignIn } from '../../attestation/attestation-trust';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import type { RequestContext } from '../../auth/request-context';
import { DomainError, ErrorCode } from '../../common/errors';
import { TransactionHost } from '../../database/transaction-host';
import { UserEntity } from '../../users/user.entity';
import { UserRef } from '../../users/users.service';
import {
  AuthenticationRepository,
  ReadAssertion,
  SettledSuccess,
} from './authentication.repository';
import {
  CounterPolicyName,
  judgeSignedAssertion,
  precheckAssertion,
  SignedAssertion,
  verifySignature,
} from '../webauthn/authentication-ceremony';
import { boundChallenge, chooseChallenge, expectedChallenge } from '../webauthn/challenge';
import {
  afterFailure,
  afterSuccess,
  assertMayUsePasskeys,
  countsTowardsLockout,
} from '../webauthn/lockout';
import { assertCredentialOfUser, unprovenUsernamelessAssertion } from '../webauthn/ownership';
import { Expected, Prechecked } from '../webauthn/prechecks';
import { authenticationOptions } from '../webauthn/options';
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
import {
  AuthenticationCompletedDto,
  AuthenticationOutcomeDto,
  CeremonySessionDto,
  StartAuthenticationDto,
  StartedCeremonyDto,
} from '../dto/ceremony.dto';
import { CompleteAuthenticationDto } from '../dto/client-response.dto';
import { PasskeyEntity, PasskeyStatus } from '../credentials/passkey.entity';
import { SignalsService } from '../../signals/signals.service';

interface StartTarget {
  storeName: string;
  rpId: string;
  authPolicyName: string;
  /** A step-up transaction's: the ids of the store and relying party it was minted for. */
  minted?: { storeId: string; relyingPartyId: string };
}

/**
 * Passkey authentication: start (by user, or username-less) and complete. The hot path of the
 * product, so its reads and writes go through AuthenticationRepository in few round trips
 * (start: 1 read + 1 write; complete: claim + 1 read + 1 write).
 */
@Injectable()
export class AuthenticationService {
  constructor(
    private readonly signals: SignalsService,
    private readonly host: TransactionHost,
    private readonly repository: AuthenticationRepository,
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditService,
    private readonly results: ResultTokenService,
  ) {}

  /** Starts an authentication of a known user (by id or external id), or username-less (no ref). */
  async start(
    ctx: RequestContext,
    target: StartTarget,
    ref: UserRef | undefined,
    dto: StartAuthenticationDto,
    /** A step-up's transaction data hash: the challenge commits to it. */
    dataHash?: Buffer,
  ): Promise<StartedCeremonyDto> {
    const { storeId, rp, policy, user, allowCredentials } = await this.repository.startContext(
      ctx,
      target.storeName,
      target.rpId,
      target.authPolicyName,
      ref,
    );
    assertMintedTarget({ storeId, relyingPartyId: rp.id }, target.minted);
    if (user) {
      assertMayUsePasskeys(user, Date.now());
      if (allowCredentials.length === 0) {
        throw new DomainError(
          ErrorCode.NO_PASSKEYS,
          `The user has no active passkey for ${rp.rpId}`,
        );
      }
    } else if (!policy.allowDiscoverable) {
      throw new DomainError(
        ErrorCode.DISCOVERABLE_NOT_ALLOWED,
        `Policy ${policy.name} does not allow username-less authentication`,
      );
    }
    const challenge = dataHash
      ? boundChallenge(dataHash)
      : chooseChallenge(dto.challenge, policy.allowExternalChallenge);
    const clientRequest = await authenticationOptions({
      rpId: rp.rpId,
      challenge,
      timeoutMs: policy.timeoutMs,
      userVerification: policy.userVerification,
      hints: policy.hints,
      allowCredentials,
    });
    const expiresAt = new Date(Date.now() + policy.timeoutMs);
    const sessionId = await this.sessions.insert(
      {
        kind: CeremonyKind.AUTHENTICATION,
        tenantId: ctx.tenantId,
        storeId,
        relyingPartyId: rp.id,
        userId: user?.id ?? null,
        challenge,
        clientRequest,
        snapshot: {
          rpId: rp.rpId,
          origins: rp.origins,
          policyName: policy.name,
          userVerification: policy.userVerification,
          counterPolicy: policy.counterPolicy,
          ...(user ? { allowCredentialIds: allowCredentials.map((c) => c.id) } : {}),
        },
        expiresAt,
      },
      auditRow(ctx, AuditEventType.PASSKEY_AUTHENTICATION_STARTED, {
        userId: user?.id ?? null,
        rpId: rp.rpId,
        policy: policy.name,
      }),
    );
    return {
      sessionId,
      clientRequest: clientRequest as unknown as Record<string, unknown>,
      expiresAt: expiresAt.toISOString(),
    };
  }

  /** Completes the session (the API's completion): the outcome and its signed result token. */
  async complete(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteAuthenticationDto,
  ): Promise<AuthenticationCompletedDto> {
    return withResultToken(await this.settle(ctx, storeName, sessionId, dto));
  }

  /** Completes the session of a step-up transaction (its hook writes the nonce). */
  async completeStepUp(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteAuthenticationDto,
    hook: StepUpHook<AuthenticationOutcomeDto>,
  ): Promise<AuthenticationOutcomeDto> {
    return (await this.settle(ctx, storeName, sessionId, dto, hook)).dto;
  }

  /**
   * One read, the verification, one statement that claims the session and writes the outcome
   * (no transaction on the way of a success). A step-up's hook runs inside a transaction with
   * that statement: whatever it writes commits or rolls back with the success.
   */
  private settle(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteAuthenticationDto,
    hook?: StepUpHook<AuthenticationOutcomeDto>,
  ): Promise<Proven<AuthenticationOutcomeDto>> {
    const response = dto.clientResponse as unknown as AuthenticationResponseJSON;
    return completeSession(
      this.host,
      () => this.round(ctx, storeName, sessionId, response, hook),
      (changed) => this.repository.lockRows(ctx.tenantId, changed.userId, changed.passkeyId),
      !!hook,
    );
  }

  private async round(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    response: AuthenticationResponseJSON,
    hook?: StepUpHook<AuthenticationOutcomeDto>,
  ): Promise<
    Completed<Proven<AuthenticationOutcomeDto>> | Changed<{ userId: string; passkeyId: string }>
  > {
    const read = await this.repository.read(ctx, storeName, sessionId, response.id);
    if (!read) throw await this.notClaimable(ctx, storeName, sessionId);
    const judged = await this.judge(ctx, read, response, hook?.dataHash);
    if ('error' in judged) {
      // false: a concurrent completion ended the session first; answer as a replay is answered
      if (!(await this.recordFailure(ctx, read, judged)))
        throw await this.notClaimable(ctx, storeName, sessionId);
      return { error: judged.error };
    }
    // the API's completion answers a result token: its key is loaded before anything commits
    const signer = hook ? undefined : await this.results.signer(ctx.tenantId);
    const settled = await this.repository.settleSuccess(ctx.tenantId, judged.write);
    if (settled === 'gone') throw await this.notClaimable(ctx, storeName, sessionId);
    if (settled === 'changed') {
      return { changed: { userId: judged.write.userId, passkeyId: judged.write.passkeyId } };
    }
    if (hook) await hook.onSuccess(judged.outcome, judged.proof);
    return { outcome: { dto: judged.outcome, proof: judged.proof, signer } };
  }

  /** The ceremony's decision on what was read: the outcome and its writes, or the failure. */
  private async judge(
    ctx: RequestContext,
    read: ReadAssertion,
    response: AuthenticationResponseJSON,
    /** A step-up's transaction data hash (null: none); undefined outside a step-up. */
    dataHash: Buffer | null | undefined,
  ): Promise<
    | { outcome: AuthenticationOutcomeDto; proof: CeremonyProof; write: SettledSuccess }
    | { error: DomainError; signedBy?: UserEntity }
  > {
    const { session } = read;
    // set once the stored public key verified the signature: from then on, failures are the user's
    let signedBy: UserEntity | undefined;
    // set once the prechecks passed for a credential id this relying party does not know
    let unknownCredential = false;
    try {
      const expected: Expected = {
        type: 'webauthn.get',
        challenge: expectedChallenge(session.challenge, dataHash),
        rpId: session.snapshot.rpId,
        origins: session.snapshot.origins,
        requireUserVerification: session.snapshot.userVerification === 'required',
      };
      const prechecked = precheckAssertion(response, expected);
      unknownCredential = !read.passkey && response.rawId === response.id;
      const { passkey, owner, signed } = await this.provePossession(
        session,
        response,
        read,
        expected,
        prechecked,
      );
      signedBy = owner;
      if (passkey.status !== PasskeyStatus.ACTIVE) {
        throw new DomainError(ErrorCode.PASSKEY_NOT_ACTIVE, `The passkey is ${passkey.status}`);
      }
      // a model reported compromised after this passkey was registered (found by review)
      assertModelMaySignIn(
        passkey.aaguid ?? null,
        read.modelStatus,
        expected.requireUserVerification,
      );
      assertMayUsePasskeys(owner, Date.now());
      const verified = judgeSignedAssertion(
        signed,
        passkey,
        expected.requireUserVerification,
        session.snapshot.counterPolicy as CounterPolicyName,
      );
      const outcome: AuthenticationOutcomeDto = {
        sessionId: session.id,
        status: 'SUCCEEDED',
        userId: owner.id,
        externalId: owner.externalId,
        passkeyId: passkey.id,
        credentialId: passkey.credentialId,
        userVerified: verified.userVerified,
        backedUp: verified.backedUp,
        counterRegression: verified.counterRegression,
        authenticatedAt: new Date().toISOString(),
      };
      const write: SettledSuccess = {
        passkeyId: passkey.id,
        newCounter: verified.newCounter,
        backupEligible: verified.backupEligible,
        backedUp: verified.backedUp,
        flagged: verified.counterRegression && session.snapshot.counterPolicy === 'FLAG',
        userId: owner.id,
        state: afterSuccess(owner),
        sessionId: session.id,
        outcome,
        audit: auditRow(ctx, AuditEventType.PASSKEY_AUTHENTICATION_SUCCEEDED, {
          sessionId: session.id,
          userId: owner.id,
          passkeyId: passkey.id,
          counterRegression: verified.counterRegression,
        }),
        versions: read.versions,
      };
      const proof: CeremonyProof = {
        sessionId: session.id,
        tenantId: ctx.tenantId,
        storeName: read.storeName,
        rpId: session.snapshot.rpId,
        kind: 'authentication',
        userId: owner.id,
        externalId: owner.externalId,
        passkeyId: passkey.id,
        userVerified: verified.userVerified,
        backupEligible: verified.backupEligible,
        backedUp: verified.backedUp,
        aaguid: passkey.aaguid ?? null,
        attestation: passkey.attestationFormat
          ? {
              format: passkey.attestationFormat,
              verified: passkey.attestationVerified,
              trusted: passkey.attestationTrusted,
            }
          : null,
      };
      return { outcome, proof, write };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (unknownCredential)
        return { error: await this.withUnknownSignal(ctx, read, response, error) };
      return { error, signedBy };
    }
  }

  /** The failure with a `signalUnknownCredential` payload for the browser (docs/security.md). */
  private async withUnknownSignal(
    ctx: RequestContext,
    read: ReadAssertion,
    response: AuthenticationResponseJSON,
    error: DomainError,
  ): Promise<DomainError> {
    const rpId = read.session.snapshot.rpId;
    const signals = await this.signals.ifUnknown(ctx.tenantId, rpId, response.id);
    return signals.length > 0 ? error.withExtensions({ signals }) : error;
  }

  private notClaimable(ctx: RequestContext, storeName: string, sessionId: string) {
    return this.sessions.notClaimable(
      ctx.tenantId,
      storeName,
      sessionId,
      CeremonyKind.AUTHENTICATION,
    );
  }

  get(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.sessions.get(ctx.tenantId, storeName, sessionId, CeremonyKind.AUTHENTICATION);
  }

  cancel(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.sessions.cancel(
      ctx.tenantId,
      storeName,
      sessionId,
      CeremonyKind.AUTHENTICATION,
      auditRow(ctx, AuditEventType.PASSKEY_AUTHENTICATION_CANCELLED, {}),
    );
  }

  /**
   * Whose credential it is (§7.2 step 6), then its signature (steps 20–21). Username-less, every
   * failure here answers alike (no oracle for which credential ids exist).
   */
  private async provePossession(
    session: CeremonySessionEntity,
    response: AuthenticationResponseJSON,
    claimed: ReadAssertion,
    expected: Expected,
    prechecked: Prechecked,
  ): Promise<{ passkey: PasskeyEntity; owner: UserEntity; signed: SignedAssertion }> {
    try {
      const [passkey, owner] = assertCredentialOfUser(
        session.userId,
        response,
        claimed.passkey,
        claimed.user,
        claimed.handle,
        session.snapshot.allowCredentialIds,
      );
      const signed = await verifySignature(response, expected, prechecked, passkey);
      return { passkey, owner, signed };
    } catch (error) {
      if (error instanceof DomainError && !session.userId) throw unprovenUsernamelessAssertion();
      throw error;
    }
  }

  /**
   * The session ends FAILED with the reason, in a transaction of its own (failures are not the hot
   * path); a failure proven by a signature counts towards the lockout, on the user's state read
   * again under its row lock.
   */
  private async recordFailure(
    ctx: RequestContext,
    read: ReadAssertion,
    judged: { error: DomainError; signedBy?: UserEntity },
  ): Promise<boolean> {
    const { session } = read;
    const { error, signedBy } = judged;
    // username-less, an unverified assertion names a user the caller chose: attribute nothing
    const user = session.userId ? read.user : signedBy;
    return this.host.run(async () => {
      // the user's row first, as a success locks it (users, passkeys, then the session): a
      // failure and a success of one session never wait on each other in opposite orders
      const current = user
        ? await this.repository.lockStateForUpdate(ctx.tenantId, user.id)
        : undefined;
      const claimed = await this.sessions.failPending(
        ctx.tenantId,
        // a user deleted meanwhile is attributed nothing
        { ...session, userId: session.userId ?? (current ? user!.id : null) },
        error,
      );
      if (!claimed) return false;
      await this.audit.record(ctx, {
        type: AuditEventType.PASSKEY_AUTHENTICATION_FAILED,
        details: { sessionId: session.id, userId: user?.id ?? null, code: error.code },
      });
      const viaApiKey = ctx.principal.keyId !== null;
      const signatureVerified = !!signedBy;
      if (
        !user ||
        !current ||
        !countsTowardsLockout({ code: error.code, signatureVerified, viaApiKey })
      )
        return true;
      const { event, ...state } = afterFailure(current, read.lock, new Date());
      await this.repository.recordLockState(ctx.tenantId, user.id, state);
      if (event) {
        await this.audit.record(ctx, {
          type: event === 'LOCKED' ? AuditEventType.USER_LOCKED : AuditEventType.USER_TEMP_LOCKED,
          details: { userId: user.id, until: state.tempLockedUntil?.toISOString() ?? null },
        });
      }
      return true;
    });
  }
}
