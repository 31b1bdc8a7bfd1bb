import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { DomainError, ErrorCode } from '../common/errors';
import { StoresService } from '../stores/stores.service';
import type { StoreEntity } from '../stores/store.entity';
import { UserEntity } from '../users/user.entity';
import { UserRef, UsersService } from '../users/users.service';
import { verifyAssertion, CounterPolicyName } from './ceremony/authentication-ceremony';
import { chooseChallenge } from './ceremony/challenge';
import { afterFailure, afterSuccess } from './ceremony/lockout';
import { authenticationOptions } from './ceremony/options';
import { CeremonyKind, CeremonySessionEntity, SessionStatus } from './ceremony-session.entity';
import { CeremonyResolver } from './ceremony-resolver';
import { CeremonySessions } from './ceremony-sessions';
import {
  AuthenticationOutcomeDto,
  CeremonySessionDto,
  StartAuthenticationDto,
  StartedCeremonyDto,
} from './dto/ceremony.dto';
import { CompleteAuthenticationDto } from './dto/client-response.dto';
import { PasskeyEntity, PasskeyStatus } from './passkey.entity';
import { assertMayUsePasskeys, countsAsFailedAttempt } from './user-gate';
import { UserHandleEntity } from './user-handle.entity';

interface StartTarget {
  storeName: string;
  rpId: string;
  authPolicyName: string;
}

@Injectable()
export class AuthenticationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: CeremonyResolver,
    private readonly stores: StoresService,
    private readonly users: UsersService,
    private readonly sessions: CeremonySessions,
    private readonly audit: AuditService,
  ) {}

  /** Starts an authentication of a known user (by id or external id), or username-less (no ref). */
  async start(
    ctx: RequestContext,
    target: StartTarget,
    ref: UserRef | undefined,
    dto: StartAuthenticationDto,
  ): Promise<StartedCeremonyDto> {
    const { store, rp, policy } = await this.resolver.forAuthentication(
      ctx,
      target.storeName,
      target.rpId,
      target.authPolicyName,
    );
    let user: UserEntity | undefined;
    let allowCredentials: { id: string; transports: string[] }[] = [];
    if (ref) {
      user = await this.users.find(ctx, store, ref);
      assertMayUsePasskeys(user);
      allowCredentials = await this.dataSource
        .getRepository(PasskeyEntity)
        .find({
          select: { credentialId: true, transports: true },
          where: { userId: user.id, relyingPartyId: rp.id, status: PasskeyStatus.ACTIVE },
        })
        .then((rows) => rows.map((p) => ({ id: p.credentialId, transports: p.transports })));
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
    const challenge = chooseChallenge(dto.challenge, policy.allowExternalChallenge);
    const clientRequest = await authenticationOptions({
      rpId: rp.rpId,
      challenge,
      timeoutMs: policy.timeoutMs,
      userVerification: policy.userVerification,
      hints: policy.hints,
      allowCredentials,
    });
    const session = await this.sessions.create(undefined, {
      tenantId: ctx.tenantId,
      storeId: store.id,
      relyingPartyId: rp.id,
      kind: CeremonyKind.AUTHENTICATION,
      userId: user?.id ?? null,
      challenge,
      clientRequest: clientRequest as unknown as Record<string, unknown>,
      snapshot: {
        rpId: rp.rpId,
        origins: rp.origins,
        policyName: policy.name,
        userVerification: policy.userVerification,
        counterPolicy: policy.counterPolicy,
      },
      expiresAt: new Date(Date.now() + policy.timeoutMs),
    });
    await this.audit.record(ctx, {
      type: AuditEventType.PASSKEY_AUTHENTICATION_STARTED,
      details: {
        sessionId: session.id,
        userId: user?.id ?? null,
        rpId: rp.rpId,
        policy: policy.name,
      },
    });
    return {
      sessionId: session.id,
      clientRequest: session.clientRequest as Record<string, unknown>,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  /**
   * Completes the session. `onSuccess` runs inside the same database transaction, after the
   * ceremony's own writes: whatever it writes commits or rolls back with the success.
   */
  async complete(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    dto: CompleteAuthenticationDto,
    onSuccess?: (m: EntityManager, outcome: AuthenticationOutcomeDto) => Promise<void>,
  ): Promise<AuthenticationOutcomeDto> {
    const store = await this.stores.find(ctx, storeName);
    const result = await this.dataSource.transaction(async (m) => {
      const session = await this.sessions.claim(m, store, sessionId, CeremonyKind.AUTHENTICATION);
      let user: UserEntity | undefined;
      try {
        const response = dto.clientResponse as unknown as AuthenticationResponseJSON;
        const passkey = await m.getRepository(PasskeyEntity).findOne({
          where: { relyingPartyId: session.relyingPartyId, credentialId: response.id },
        });
        user = await this.lockUser(m, session.userId ?? passkey?.userId);
        await this.assertCredentialOfUser(m, session, response, passkey, user);
        assertMayUsePasskeys(user!);
        if (passkey!.status !== PasskeyStatus.ACTIVE) {
          throw new DomainError(ErrorCode.PASSKEY_NOT_ACTIVE, `The passkey is ${passkey!.status}`);
        }
        const verified = await verifyAssertion(
          response,
          {
            type: 'webauthn.get',
            challenge: session.challenge,
            rpId: session.snapshot.rpId,
            origins: session.snapshot.origins,
            requireUserVerification: session.snapshot.userVerification === 'required',
          },
          passkey!,
          session.snapshot.counterPolicy as CounterPolicyName,
        );
        const flagged = verified.counterRegression && session.snapshot.counterPolicy === 'FLAG';
        await m.query(
          `UPDATE passkeys SET sign_counter = $2, backed_up = $3, last_used_at = now(), use_count = use_count + 1,
                  counter_regressions = counter_regressions + $4, updated_at = now() WHERE id = $1`,
          [passkey!.id, verified.newCounter, verified.backedUp, flagged ? 1 : 0],
        );
        const state = afterSuccess(user!);
        await m.update(
          UserEntity,
          { id: user!.id },
          { ...state, lastAuthenticatedAt: () => 'now()' },
        );
        const outcome: AuthenticationOutcomeDto = {
          sessionId: session.id,
          status: 'SUCCEEDED',
          userId: user!.id,
          externalId: user!.externalId,
          passkeyId: passkey!.id,
          credentialId: passkey!.credentialId,
          userVerified: verified.userVerified,
          backedUp: verified.backedUp,
          counterRegression: verified.counterRegression,
          authenticatedAt: new Date().toISOString(),
        };
        await this.sessions.end(m, session.id, {
          status: SessionStatus.SUCCEEDED,
          userId: user!.id,
          outcome: { ...outcome },
        });
        await this.audit.record(
          ctx,
          {
            type: AuditEventType.PASSKEY_AUTHENTICATION_SUCCEEDED,
            details: {
              sessionId: session.id,
              userId: user!.id,
              passkeyId: passkey!.id,
              counterRegression: verified.counterRegression,
            },
          },
          m,
        );
        if (onSuccess) await onSuccess(m, outcome);
        return { outcome };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await this.recordFailure(ctx, m, store, session, user, error);
        return { error };
      }
    });
    if (result.error) throw result.error;
    return result.outcome!;
  }

  get(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.stores
      .find(ctx, storeName)
      .then((store) => this.sessions.get(store, sessionId, CeremonyKind.AUTHENTICATION));
  }

  cancel(ctx: RequestContext, storeName: string, sessionId: string): Promise<CeremonySessionDto> {
    return this.stores
      .find(ctx, storeName)
      .then((store) => this.sessions.cancel(store, sessionId, CeremonyKind.AUTHENTICATION));
  }

  private async lockUser(
    m: EntityManager,
    userId: string | undefined,
  ): Promise<UserEntity | undefined> {
    if (!userId) return undefined;
    return (
      (await m
        .getRepository(UserEntity)
        .findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } })) ?? undefined
    );
  }

  /**
   * SimpleWebAuthn does not check whose credential it is: we do. For a known user the passkey
   * must be theirs; username-less, the user handle must be the one we gave that user at this
   * relying party.
   */
  private async assertCredentialOfUser(
    m: EntityManager,
    session: CeremonySessionEntity,
    response: AuthenticationResponseJSON,
    passkey: PasskeyEntity | null,
    user: UserEntity | undefined,
  ): Promise<void> {
    if (response.rawId !== response.id) {
      throw new DomainError(ErrorCode.VERIFICATION_FAILED, 'rawId and id differ');
    }
    if (!passkey || !user || passkey.userId !== user.id) {
      throw new DomainError(
        ErrorCode.CREDENTIAL_NOT_ALLOWED,
        'This credential is not a passkey of the user at this relying party',
      );
    }
    if (!session.userId) {
      const handle = await m
        .getRepository(UserHandleEntity)
        .findOne({ where: { userId: user.id, relyingPartyId: session.relyingPartyId } });
      if (!handle || response.response.userHandle !== handle.handle) {
        throw new DomainError(
          ErrorCode.CREDENTIAL_NOT_ALLOWED,
          'The user handle does not match the credential',
        );
      }
    }
  }

  /** The session ends FAILED with the reason; a known user's failure counts towards the lockout. */
  private async recordFailure(
    ctx: RequestContext,
    m: EntityManager,
    store: StoreEntity,
    session: CeremonySessionEntity,
    user: UserEntity | undefined,
    error: DomainError,
  ): Promise<void> {
    await this.sessions.end(m, session.id, {
      status: SessionStatus.FAILED,
      failure: error,
      userId: session.userId ?? user?.id ?? null,
    });
    await this.audit.record(
      ctx,
      {
        type: AuditEventType.PASSKEY_AUTHENTICATION_FAILED,
        details: { sessionId: session.id, userId: user?.id ?? null, code: error.code },
      },
      m,
    );
    if (!user || !countsAsFailedAttempt(error.code)) return;
    const next = afterFailure(user, store, new Date());
    const { event, ...state } = next;
    await m.update(UserEntity, { id: user.id }, state);
    if (event) {
      await this.audit.record(
        ctx,
        {
          type: event === 'LOCKED' ? AuditEventType.USER_LOCKED : AuditEventType.USER_TEMP_LOCKED,
          details: { userId: user.id, until: state.tempLockedUntil?.toISOString() ?? null },
        },
        m,
      );
    }
  }
}
