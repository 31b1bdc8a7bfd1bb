import { Injectable } from '@nestjs/common';
import { prepared, runPrepared } from '../../database/prepared';
import { TransactionHost } from '../../database/transaction-host';
import { UserEntity } from '../../users/user.entity';
import { userNotFound } from '../../users/users.service';
import type { LockConfig, LockState } from '../webauthn/lockout';
import { assertStartTarget, AuditRow, claimedSession, RawRow, userFrom } from '../sessions/rows';
import { claimCte, USER_COLUMNS } from '../sessions/sessions.repository';
import { CeremonyKind, CeremonySessionEntity } from '../sessions/ceremony-session.entity';
import { PasskeyEntity, PasskeyStatus } from '../credentials/passkey.entity';

/** Everything a start needs, read in one round trip; each missing piece keeps its own 404. */
export interface StartContext {
  storeId: string;
  rp: { id: string; rpId: string; origins: string[] };
  policy: {
    name: string;
    userVerification: 'required' | 'preferred' | 'discouraged';
    timeoutMs: number;
    allowExternalChallenge: boolean;
    counterPolicy: string;
    allowDiscoverable: boolean;
    hints: ('security-key' | 'client-device' | 'hybrid')[];
  };
  user?: UserEntity;
  allowCredentials: { id: string; transports: string[] }[];
}

/** A claimed session with the credential it was answered with and that credential's user. */
export interface ClaimedAssertion {
  session: CeremonySessionEntity;
  lock: LockConfig;
  passkey: PasskeyEntity | null;
  /** Locked for the update: the session's user, or (username-less) the credential's owner. */
  user: UserEntity | undefined;
  /** The user's handle at the relying party (username-less assertions must carry it). */
  handle: string | null;
}

/** One statement per way of naming the user: each keeps its own plan (no OR of both lookups). */
const startContextSql = (userMatch: string) =>
  `SELECT s.id AS store_id, rp.id AS rp_pk, rp.rp_id, rp.origins,
          p.name AS p_name, p.user_verification, p.timeout_ms, p.allow_external_challenge, p.counter_policy,
          p.allow_discoverable, p.hints, ${USER_COLUMNS},
          (SELECT coalesce(json_agg(json_build_object('id', k.credential_id, 'transports', k.transports)), '[]')
             FROM passkeys k WHERE k.user_id = u.id AND k.relying_party_id = rp.id AND k.status = 'ACTIVE') AS allow
     FROM stores s
     LEFT JOIN relying_parties rp ON rp.store_id = s.id AND rp.rp_id = $3
     LEFT JOIN authentication_policies p ON p.relying_party_id = rp.id AND p.name = $4
     LEFT JOIN users u ON u.store_id = s.id AND ${userMatch}
    WHERE s.tenant_id = $1 AND s.name = $2`;
const START_CONTEXT = {
  byId: prepared('auth_start_by_id', startContextSql('u.id = $5::uuid')),
  byExternalId: prepared('auth_start_by_external_id', startContextSql('u.external_id = $5')),
  usernameless: prepared('auth_start_usernameless', startContextSql('false')),
};

/**
 * The claim (at most one completion per session, whatever the instances) and everything the
 * verification needs, in one statement. The user row is locked (a LATERAL FOR UPDATE, so an
 * unknown credential still returns the claimed session): a user's completions are serialised,
 * so lockout counters are read and written in turn.
 */
const CLAIM_WITH_CREDENTIAL = prepared(
  'auth_claim_with_credential',
  `${claimCte(
    CeremonyKind.AUTHENTICATION,
    ', s.max_failed_attempts, s.temp_lock_seconds, s.max_temp_locks_before_lock',
  )}
   SELECT c.id, c.tenant_id, c.store_id, c.relying_party_id, c.user_id, c.challenge, c.snapshot,
          c.max_failed_attempts, c.temp_lock_seconds, c.max_temp_locks_before_lock,
          k.id AS k_id, k.user_id AS k_user_id, k.credential_id, k.public_key, k.sign_counter, k.transports,
          k.status AS k_status, k.backup_eligible AS k_backup_eligible, x.*
     FROM c
     LEFT JOIN passkeys k ON k.relying_party_id = c.relying_party_id AND k.credential_id = $4
     LEFT JOIN LATERAL (
       SELECT ${USER_COLUMNS}, h.handle
         FROM users u LEFT JOIN user_handles h ON h.user_id = u.id AND h.relying_party_id = c.relying_party_id
        WHERE u.id = coalesce(c.user_id, k.user_id)
          FOR UPDATE OF u) x ON true`,
);

const RECORD_SUCCESS = prepared(
  'auth_record_success',
  `WITH k AS (
     UPDATE passkeys SET sign_counter = $2, backed_up = $3, last_used_at = now(), use_count = use_count + 1,
            counter_regressions = counter_regressions + $4, updated_at = now() WHERE id = $1),
   u AS (
     UPDATE users SET status = $6, failed_attempts = $7, lock_count = $8, temp_locked_until = $9,
            last_authenticated_at = now(), updated_at = now() WHERE id = $5),
   s AS (
     UPDATE ceremony_sessions SET status = 'SUCCEEDED', user_id = $5, outcome = $11 WHERE id = $10)
   INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details) VALUES ($12, $13, $14, $15, $16, $17)`,
);

/**
 * The authentication hot path in few round trips (it runs on every sign-in): one read for a
 * start (its session is one write, `SessionsRepository.insert`), one claim-and-read and one write for a
 * completion.
 */
@Injectable()
export class AuthenticationRepository {
  constructor(private readonly host: TransactionHost) {}

  async startContext(
    tenantId: string,
    storeName: string,
    rpId: string,
    policyName: string,
    user?: { id: string } | { externalId: string },
  ): Promise<StartContext> {
    const byId = user && 'id' in user ? user.id : null;
    const byExt = user && 'externalId' in user ? user.externalId : null;
    const base = [tenantId, storeName, rpId, policyName];
    const [row] = byId
      ? await runPrepared<RawRow[]>(this.host.executor, START_CONTEXT.byId, [...base, byId])
      : byExt !== null
        ? await runPrepared<RawRow[]>(this.host.executor, START_CONTEXT.byExternalId, [
            ...base,
            byExt,
          ])
        : await runPrepared<RawRow[]>(this.host.executor, START_CONTEXT.usernameless, base);
    assertStartTarget(row, { storeName, rpId, policyName }, CeremonyKind.AUTHENTICATION);
    if (user && !row.u_id) throw userNotFound(user);
    return {
      storeId: row.store_id,
      rp: { id: row.rp_pk, rpId: row.rp_id, origins: row.origins },
      policy: {
        name: row.p_name,
        userVerification: row.user_verification,
        timeoutMs: row.timeout_ms,
        allowExternalChallenge: row.allow_external_challenge,
        counterPolicy: row.counter_policy,
        allowDiscoverable: row.allow_discoverable,
        hints: row.hints,
      },
      user: row.u_id ? userFrom(row) : undefined,
      allowCredentials: row.u_id ? row.allow : [],
    };
  }

  /** Claims the session; undefined when it cannot be claimed (unknown, expired, completed). */
  async claim(
    tenantId: string,
    storeName: string,
    sessionId: string,
    credentialId: string,
  ): Promise<ClaimedAssertion | undefined> {
    const [row] = await runPrepared<RawRow[]>(this.host.executor, CLAIM_WITH_CREDENTIAL, [
      sessionId,
      tenantId,
      storeName,
      credentialId,
    ]);
    if (!row) return undefined;
    return {
      session: claimedSession(row, CeremonyKind.AUTHENTICATION),
      lock: {
        maxFailedAttempts: row.max_failed_attempts,
        tempLockSeconds: row.temp_lock_seconds,
        maxTempLocksBeforeLock: row.max_temp_locks_before_lock,
      },
      passkey: row.k_id
        ? Object.assign(new PasskeyEntity(), {
            id: row.k_id,
            userId: row.k_user_id,
            credentialId: row.credential_id,
            publicKey: row.public_key,
            signCounter: Number(row.sign_counter),
            transports: row.transports,
            status: row.k_status as PasskeyStatus,
            backupEligible: row.k_backup_eligible,
          })
        : null,
      user: row.u_id ? userFrom(row) : undefined,
      handle: row.handle ?? null,
    };
  }

  /** A counted failure: the user's new lock state (their row is locked by the claim). */
  async recordLockState(tenantId: string, userId: string, state: LockState): Promise<void> {
    await this.host.manager.update(UserEntity, { tenantId, id: userId }, state);
  }

  /** A success: passkey, user, session and audit event in one statement. */
  async recordSuccess(w: {
    passkeyId: string;
    newCounter: number;
    backedUp: boolean;
    flagged: boolean;
    userId: string;
    state: LockState;
    sessionId: string;
    outcome: object;
    audit: AuditRow;
  }): Promise<void> {
    await runPrepared(this.host.executor, RECORD_SUCCESS, [
      w.passkeyId,
      w.newCounter,
      w.backedUp,
      w.flagged ? 1 : 0,
      w.userId,
      w.state.status,
      w.state.failedAttempts,
      w.state.lockCount,
      w.state.tempLockedUntil,
      w.sessionId,
      JSON.stringify(w.outcome),
      w.audit.tenantId,
      w.audit.type,
      w.audit.actorKeyId,
      w.audit.requestId,
      w.audit.ip,
      JSON.stringify(w.audit.details),
    ]);
  }
}
