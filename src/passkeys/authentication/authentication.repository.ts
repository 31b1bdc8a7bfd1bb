import { Injectable } from '@nestjs/common';
import { MetadataSource } from '../../attestation/metadata.entity';
import { keyedStatement, runFirstRead } from '../../access/access.repository';
import type { RequestContext } from '../../auth/request-context';
import { prepared, runPrepared } from '../../database/prepared';
import { TransactionHost } from '../../database/transaction-host';
import { UserEntity } from '../../users/user.entity';
import { userNotFound } from '../../users/users.service';
import type { LockConfig, LockState } from '../webauthn/lockout';
import { assertStartTarget, AuditRow, sessionFrom, RawRow, userFrom } from '../sessions/rows';
import { USER_COLUMNS, USER_JSON } from '../sessions/sessions.repository';
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

/** A pending session with the credential it was answered with and that credential's user. */
export interface ReadAssertion {
  storeName: string;
  session: CeremonySessionEntity;
  lock: LockConfig;
  passkey: PasskeyEntity | null;
  /** The session's user, or (username-less) the credential's owner. */
  user: UserEntity | undefined;
  /** The user's handle at the relying party (username-less assertions must carry it). */
  handle: string | null;
  /** Row versions (xmin) of the user and the passkey, for the compare-and-set of a success. */
  versions: { user: string; passkey: string };
  /** The latest status report of the passkey's model in the loaded FIDO metadata BLOB. */
  modelStatus: string | null;
}

/** One statement per way of naming the user: each keeps its own plan (no OR of both lookups). */
const startContextSql = (userMatch: string) =>
  `SELECT s.id AS store_id, rp.id AS rp_pk, rp.rp_id, rp.origins,
          p.name AS p_name, p.user_verification, p.timeout_ms, p.allow_external_challenge, p.counter_policy,
          p.allow_discoverable, p.hints, ${USER_COLUMNS},
          (SELECT coalesce(json_agg(json_build_object('id', k.credential_id, 'transports', k.transports)), '[]')
             FROM passkeys k
            WHERE k.tenant_id = s.tenant_id AND k.user_id = u.id AND k.relying_party_id = rp.id
              AND k.status = 'ACTIVE') AS allow
     FROM stores s
     LEFT JOIN relying_parties rp ON rp.tenant_id = s.tenant_id AND rp.store_id = s.id AND rp.rp_id = $3
     LEFT JOIN authentication_policies p ON p.tenant_id = s.tenant_id AND p.relying_party_id = rp.id AND p.name = $4
     LEFT JOIN users u ON u.tenant_id = s.tenant_id AND u.store_id = s.id AND ${userMatch}
    WHERE s.tenant_id = $1 AND s.name = $2`;
const START_CONTEXT = {
  byId: keyedStatement('auth_start_by_id', startContextSql('u.id = $5::uuid'), 1, USER_JSON),
  byExternalId: keyedStatement(
    'auth_start_by_external_id',
    startContextSql('u.external_id = $5'),
    1,
    USER_JSON,
  ),
  usernameless: keyedStatement('auth_start_usernameless', startContextSql('false'), 1, USER_JSON),
};

/**
 * Everything a completion needs, read without a lock and without claiming (the claim is part of
 * the outcome's statement): the pending session, its store's lock settings, the credential the
 * response names, its user (the session's, or username-less the credential's owner) and that
 * user's handle. `xmin` of the user and passkey rows is their version: the outcome is written only
 * if neither changed since this read (see SETTLE_SUCCESS).
 */
const READ_ASSERTION = keyedStatement(
  'auth_read_assertion',
  `SELECT cs.id, cs.tenant_id, cs.store_id, cs.relying_party_id, cs.user_id, cs.challenge, cs.snapshot,
          s.max_failed_attempts, s.temp_lock_seconds, s.max_temp_locks_before_lock,
          k.id AS k_id, k.user_id AS k_user_id, k.credential_id, k.public_key, k.sign_counter, k.transports,
          k.status AS k_status, k.backup_eligible AS k_backup_eligible, k.xmin::text AS k_version,
          k.aaguid AS k_aaguid, k.attestation_format AS k_attestation_format,
          k.attestation_verified AS k_attestation_verified, k.attestation_trusted AS k_attestation_trusted,
          (SELECT m.latest_status FROM authenticator_metadata m
            WHERE m.aaguid = k.aaguid AND m.source = '${MetadataSource.BLOB}') AS k_model_status,
          ${USER_COLUMNS}, u.xmin::text AS u_version, h.handle
     FROM ceremony_sessions cs
     JOIN stores s ON s.tenant_id = $2 AND s.id = cs.store_id AND s.name = $3
     LEFT JOIN passkeys k ON k.tenant_id = $2 AND k.relying_party_id = cs.relying_party_id AND k.credential_id = $4
     LEFT JOIN users u ON u.tenant_id = $2 AND u.id = coalesce(cs.user_id, k.user_id)
     LEFT JOIN user_handles h ON h.tenant_id = $2 AND h.user_id = u.id AND h.relying_party_id = cs.relying_party_id
    WHERE cs.id = $1 AND cs.tenant_id = $2 AND cs.kind = '${CeremonyKind.AUTHENTICATION}'
      AND cs.status = 'PENDING' AND cs.expires_at > now()`,
  2,
  { ...USER_JSON, bytes: ['public_key'], int8: ['sign_counter'] },
);

/**
 * A success in one statement, without BEGIN/COMMIT: the user and passkey rows are locked only if
 * they are still the versions the verification judged (`g`, `gk`: compare-and-set on xmin), the
 * session is claimed only then (at most one completion, whatever the instances), and passkey,
 * user and audit event are written only with the claim. A concurrent change to the user or the
 * passkey (another completion, a lockout, a revocation) claims nothing: the caller reads and
 * judges again.
 */
const SETTLE_SUCCESS = prepared(
  'auth_settle_success',
  `WITH g AS (
     SELECT id FROM users WHERE tenant_id = $12 AND id = $5 AND xmin = $18::text::xid FOR UPDATE),
   gk AS (
     SELECT id FROM passkeys WHERE tenant_id = $12 AND id = $1 AND xmin = $19::text::xid FOR UPDATE),
   s AS (
     UPDATE ceremony_sessions SET status = 'SUCCEEDED', completed_at = now(), user_id = $5, outcome = $11
      WHERE tenant_id = $12 AND id = $10 AND status = 'PENDING' AND expires_at > now()
        AND EXISTS (SELECT 1 FROM g) AND EXISTS (SELECT 1 FROM gk)
      RETURNING id),
   k AS (
     UPDATE passkeys SET sign_counter = $2, backed_up = $3, backup_eligible = $20, last_used_at = now(), use_count = use_count + 1,
            counter_regressions = counter_regressions + $4, updated_at = now()
       FROM s WHERE passkeys.tenant_id = $12 AND passkeys.id = $1),
   u AS (
     UPDATE users SET status = $6, failed_attempts = $7, lock_count = $8, temp_locked_until = $9,
            last_authenticated_at = now(), updated_at = now()
       FROM s WHERE users.tenant_id = $12 AND users.id = $5),
   a AS (
     INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
     SELECT $12, $13, $14, $15, $16, $17 FROM s)
   SELECT (SELECT count(*) FROM s)::int AS claimed,
          (SELECT count(*) FROM g)::int + (SELECT count(*) FROM gk)::int AS unchanged`,
);

/** A counted failure re-reads the user's lock state under a row lock (inside its transaction). */
const LOCK_STATE_FOR_UPDATE = prepared(
  'auth_lock_state_for_update',
  `SELECT status, failed_attempts, lock_count, temp_locked_until FROM users
    WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
);

/** Locks a user's and a passkey's rows until the transaction ends (users first, as everywhere). */
const LOCK_ROWS = prepared(
  'auth_lock_rows',
  `SELECT u.id FROM users u, passkeys k
    WHERE u.tenant_id = $1 AND u.id = $2 AND k.tenant_id = $1 AND k.id = $3
      FOR UPDATE OF u, k`,
);

/** What a success writes. */
export interface SettledSuccess {
  passkeyId: string;
  newCounter: number;
  /** Equal to the stored flag, or the signed one where the stored one was not known. */
  backupEligible: boolean;
  backedUp: boolean;
  flagged: boolean;
  userId: string;
  state: LockState;
  sessionId: string;
  outcome: object;
  audit: AuditRow;
  /** The row versions the verification judged (`ReadAssertion.versions`). */
  versions: { user: string; passkey: string };
}

/**
 * The authentication hot path in few round trips (it runs on every sign-in): one read for a
 * start (its session is one write, `SessionsRepository.insert`), one read and one write for a
 * completion (no BEGIN/COMMIT: the write claims the session and settles everything at once).
 */
@Injectable()
export class AuthenticationRepository {
  constructor(private readonly host: TransactionHost) {}

  /** With a deferred key check (`ctx.keyCheck`), the key is looked up and admitted here. */
  async startContext(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    policyName: string,
    user?: { id: string } | { externalId: string },
  ): Promise<StartContext> {
    const byId = user && 'id' in user ? user.id : null;
    const byExt = user && 'externalId' in user ? user.externalId : null;
    const base = (tenant: string | null) => [tenant, storeName, rpId, policyName];
    const row = byId
      ? await runFirstRead(
          this.host.executor,
          ctx,
          START_CONTEXT.byId,
          (t) => [...base(t), byId],
          'store_id',
        )
      : byExt !== null
        ? await runFirstRead(
            this.host.executor,
            ctx,
            START_CONTEXT.byExternalId,
            (t) => [...base(t), byExt],
            'store_id',
          )
        : await runFirstRead(this.host.executor, ctx, START_CONTEXT.usernameless, base, 'store_id');
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

  /**
   * The pending session and what verification needs; undefined when none is pending. With a
   * deferred key check (`ctx.keyCheck`), the key is looked up and admitted here.
   */
  async read(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    credentialId: string,
  ): Promise<ReadAssertion | undefined> {
    const row = await runFirstRead(
      this.host.executor,
      ctx,
      READ_ASSERTION,
      (tenant) => [sessionId, tenant, storeName, credentialId],
      'id',
    );
    if (!row) return undefined;
    return {
      storeName,
      session: sessionFrom(row, CeremonyKind.AUTHENTICATION),
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
            aaguid: row.k_aaguid,
            attestationFormat: row.k_attestation_format,
            attestationVerified: row.k_attestation_verified,
            attestationTrusted: row.k_attestation_trusted,
          })
        : null,
      user: row.u_id ? userFrom(row) : undefined,
      handle: row.handle ?? null,
      versions: { user: row.u_version, passkey: row.k_version },
      modelStatus: row.k_model_status ?? null,
    };
  }

  /**
   * Writes a success; `claimed` is false when the session is no longer pending, `changed` when
   * the user or the passkey changed since the read (nothing is written then).
   */
  async settleSuccess(
    tenantId: string,
    w: SettledSuccess,
  ): Promise<'claimed' | 'changed' | 'gone'> {
    const [row] = await runPrepared<{ claimed: number; unchanged: number }[]>(
      this.host.executor,
      SETTLE_SUCCESS,
      [
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
        tenantId,
        w.audit.type,
        w.audit.actorKeyId,
        w.audit.requestId,
        w.audit.ip,
        JSON.stringify(w.audit.details),
        w.versions.user,
        w.versions.passkey,
        w.backupEligible,
      ],
    );
    if (row.claimed === 1) return 'claimed';
    return row.unchanged === 2 ? 'gone' : 'changed';
  }

  /** Holds the user's and the passkey's rows until the transaction ends (inside `host.run`). */
  async lockRows(tenantId: string, userId: string, passkeyId: string): Promise<void> {
    await runPrepared(this.host.executor, LOCK_ROWS, [tenantId, userId, passkeyId]);
  }

  /** The user's lock state, locked until the transaction ends (call inside `host.run`). */
  async lockStateForUpdate(tenantId: string, userId: string): Promise<LockState | undefined> {
    const [row] = await runPrepared<RawRow[]>(this.host.executor, LOCK_STATE_FOR_UPDATE, [
      tenantId,
      userId,
    ]);
    if (!row) return undefined;
    return {
      status: row.status,
      failedAttempts: row.failed_attempts,
      lockCount: row.lock_count,
      tempLockedUntil: row.temp_locked_until,
    };
  }

  /** A counted failure: the user's new lock state (their row is locked by `lockStateForUpdate`). */
  async recordLockState(tenantId: string, userId: string, state: LockState): Promise<void> {
    await this.host.manager.update(UserEntity, { tenantId, id: userId }, state);
  }
}
