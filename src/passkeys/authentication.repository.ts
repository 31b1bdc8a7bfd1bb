import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors';
import { prepared, runPrepared } from '../database/prepared';
import { UserEntity } from '../users/user.entity';
import type { LockState } from './ceremony/lockout';
import { CeremonyKind } from './ceremony-session.entity';
import { PasskeyEntity, PasskeyStatus } from './passkey.entity';

/** A row of a raw SQL query, mapped field by field below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawRow = Record<string, any>;

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

export interface AuditRow {
  tenantId: string;
  type: string;
  actorKeyId: string | null;
  requestId: string;
  ip: string;
  details: Record<string, unknown>;
}

/** One statement per way of naming the user: each keeps its own plan (no OR of both lookups). */
const startContextSql = (userMatch: string) =>
  `SELECT s.id AS store_id, rp.id AS rp_pk, rp.rp_id, rp.origins,
              p.name AS p_name, p.user_verification, p.timeout_ms, p.allow_external_challenge, p.counter_policy,
              p.allow_discoverable, p.hints,
              u.id AS u_id, u.tenant_id AS u_tenant_id, u.store_id AS u_store_id, u.external_id AS u_external_id,
              u.status AS u_status, u.failed_attempts AS u_failed_attempts, u.lock_count AS u_lock_count,
              u.temp_locked_until AS u_temp_locked_until,
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

const INSERT_SESSION = prepared(
  'auth_insert_session',
  `WITH s AS (
     INSERT INTO ceremony_sessions (tenant_id, store_id, relying_party_id, kind, status, user_id, challenge, client_request, snapshot, expires_at)
     VALUES ($1, $2, $3, '${CeremonyKind.AUTHENTICATION}', 'PENDING', $4, $5, $6, $7, $8) RETURNING id)
   INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
   SELECT $1, $9, $10, $11, $12, $13::jsonb || jsonb_build_object('sessionId', s.id) FROM s
   RETURNING (SELECT id FROM s) AS session_id`,
);

const PASSKEY_AND_USER = prepared(
  'auth_passkey_and_user',
  `SELECT k.id AS k_id, k.user_id AS k_user_id, k.credential_id, k.public_key, k.sign_counter, k.transports, k.status AS k_status,
          u.id AS u_id, u.tenant_id AS u_tenant_id, u.store_id AS u_store_id, u.external_id AS u_external_id, u.status AS u_status,
          u.failed_attempts AS u_failed_attempts, u.lock_count AS u_lock_count, u.temp_locked_until AS u_temp_locked_until,
          h.handle
     FROM users u
     LEFT JOIN passkeys k ON k.relying_party_id = $1 AND k.credential_id = $2
     LEFT JOIN user_handles h ON h.user_id = u.id AND h.relying_party_id = $1
    WHERE u.id = coalesce($3::uuid, (SELECT user_id FROM passkeys WHERE relying_party_id = $1 AND credential_id = $2))
      FOR UPDATE OF u`,
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

function userFrom(row: Record<string, unknown>): UserEntity {
  return Object.assign(new UserEntity(), {
    id: row.u_id,
    tenantId: row.u_tenant_id,
    storeId: row.u_store_id,
    externalId: row.u_external_id,
    status: row.u_status,
    failedAttempts: row.u_failed_attempts,
    lockCount: row.u_lock_count,
    tempLockedUntil: row.u_temp_locked_until,
  });
}

/**
 * The authentication hot path in few round trips (it runs on every sign-in): one read for a
 * start, one insert for its session and audit event, one read and one write for a completion.
 */
@Injectable()
export class AuthenticationRepository {
  constructor(private readonly dataSource: DataSource) {}

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
      ? await runPrepared<RawRow[]>(this.dataSource, START_CONTEXT.byId, [...base, byId])
      : byExt
        ? await runPrepared<RawRow[]>(this.dataSource, START_CONTEXT.byExternalId, [...base, byExt])
        : await runPrepared<RawRow[]>(this.dataSource, START_CONTEXT.usernameless, base);
    if (!row) throw new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${storeName} does not exist`);
    if (!row.rp_pk)
      throw new DomainError(
        ErrorCode.RELYING_PARTY_NOT_FOUND,
        `Relying party ${rpId} does not exist in this store`,
      );
    if (!row.p_name) {
      throw new DomainError(
        ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
        `No authentication policy ${policyName} for relying party ${rpId}`,
      );
    }
    if (user && !row.u_id) {
      const what = byId ? `id ${byId}` : `external id ${byExt}`;
      throw new DomainError(ErrorCode.USER_NOT_FOUND, `No user with ${what} in this store`);
    }
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

  /** The session and its audit event in one statement. */
  async insertSession(
    values: {
      tenantId: string;
      storeId: string;
      relyingPartyId: string;
      userId: string | null;
      challenge: string;
      clientRequest: object;
      snapshot: object;
      expiresAt: Date;
    },
    audit: Omit<AuditRow, 'details'> & { details: (sessionId: string) => Record<string, unknown> },
  ): Promise<string> {
    const [row] = await runPrepared<{ session_id: string }[]>(this.dataSource, INSERT_SESSION, [
      values.tenantId,
      values.storeId,
      values.relyingPartyId,
      values.userId,
      values.challenge,
      JSON.stringify(values.clientRequest),
      JSON.stringify(values.snapshot),
      values.expiresAt,
      audit.type,
      audit.actorKeyId,
      audit.requestId,
      audit.ip,
      JSON.stringify(audit.details('')),
    ]);
    return row.session_id;
  }

  /** The passkey by credential id at the relying party, with its user locked for the update. */
  async passkeyAndUser(
    m: EntityManager,
    relyingPartyId: string,
    credentialId: string,
    userId: string | null,
  ): Promise<{
    passkey: PasskeyEntity | null;
    user: UserEntity | undefined;
    handle: string | null;
  }> {
    const [row] = await runPrepared<RawRow[]>(m, PASSKEY_AND_USER, [
      relyingPartyId,
      credentialId,
      userId,
    ]);
    if (!row) return { passkey: null, user: undefined, handle: null };
    const passkey = row.k_id
      ? Object.assign(new PasskeyEntity(), {
          id: row.k_id,
          userId: row.k_user_id,
          credentialId: row.credential_id,
          publicKey: row.public_key,
          signCounter: Number(row.sign_counter),
          transports: row.transports,
          status: row.k_status as PasskeyStatus,
        })
      : null;
    return { passkey, user: row.u_id ? userFrom(row) : undefined, handle: row.handle ?? null };
  }

  /** A success: passkey, user, session and audit event in one statement. */
  async recordSuccess(
    m: EntityManager,
    w: {
      passkeyId: string;
      newCounter: number;
      backedUp: boolean;
      flagged: boolean;
      userId: string;
      state: LockState;
      sessionId: string;
      outcome: object;
      audit: AuditRow;
    },
  ): Promise<void> {
    await runPrepared(m, RECORD_SUCCESS, [
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
