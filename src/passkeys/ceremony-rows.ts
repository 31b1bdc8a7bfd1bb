import type { AuditEventType } from '../audit/audit-event-type';
import { DomainError, ErrorCode } from '../common/errors';
import type { RequestContext } from '../auth/request-context';
import { prepared, runPrepared } from '../database/prepared';
import type { DataSource, EntityManager } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { CeremonyKind, CeremonySessionEntity } from './ceremony-session.entity';

/**
 * What the ceremony repositories share: raw rows mapped field by field, the user columns they
 * read, audit rows written inside their statements, and the session insert.
 */

/** A row of a raw SQL query, mapped field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawRow = Record<string, any>;

/** An audit event written by a ceremony statement (no TypeORM entity on the hot path). */
export interface AuditRow {
  tenantId: string;
  type: string;
  actorKeyId: string | null;
  requestId: string;
  ip: string;
  details: Record<string, unknown>;
}

export function auditRow(
  ctx: RequestContext,
  type: AuditEventType,
  details: Record<string, unknown>,
): AuditRow {
  return {
    tenantId: ctx.tenantId,
    type,
    actorKeyId: ctx.principal.keyId,
    requestId: ctx.requestId,
    ip: ctx.ip,
    details,
  };
}

/** The user columns a ceremony reads, aliased `u_*` (the table must be aliased `u`). */
export const USER_COLUMNS = `u.id AS u_id, u.tenant_id AS u_tenant_id, u.store_id AS u_store_id,
  u.external_id AS u_external_id, u.user_name AS u_user_name, u.display_name AS u_display_name,
  u.status AS u_status, u.failed_attempts AS u_failed_attempts, u.lock_count AS u_lock_count,
  u.temp_locked_until AS u_temp_locked_until`;

export function userFrom(row: RawRow): UserEntity {
  return Object.assign(new UserEntity(), {
    id: row.u_id,
    tenantId: row.u_tenant_id,
    storeId: row.u_store_id,
    externalId: row.u_external_id,
    userName: row.u_user_name,
    displayName: row.u_display_name,
    status: row.u_status,
    failedAttempts: row.u_failed_attempts,
    lockCount: row.u_lock_count,
    tempLockedUntil: row.u_temp_locked_until,
  });
}

const INSERT_SESSION = prepared(
  'ceremony_insert_session',
  `WITH s AS (
     INSERT INTO ceremony_sessions (tenant_id, store_id, relying_party_id, kind, status, user_id, challenge, client_request, snapshot, expires_at)
     VALUES ($1, $2, $3, $14, 'PENDING', $4, $5, $6, $7, $8) RETURNING id)
   INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
   SELECT $1, $9, $10, $11, $12, $13::jsonb || jsonb_build_object('sessionId', s.id) FROM s
   RETURNING (SELECT id FROM s) AS session_id`,
);

export interface NewSession {
  kind: CeremonyKind;
  tenantId: string;
  storeId: string;
  relyingPartyId: string;
  userId: string | null;
  challenge: string;
  clientRequest: object;
  snapshot: object;
  expiresAt: Date;
}

/** A PENDING session and its audit event (which gets the session id) in one statement. */
export async function insertSession(
  on: DataSource | EntityManager,
  session: NewSession,
  audit: AuditRow,
): Promise<string> {
  const [row] = await runPrepared<{ session_id: string }[]>(on, INSERT_SESSION, [
    session.tenantId,
    session.storeId,
    session.relyingPartyId,
    session.userId,
    session.challenge,
    JSON.stringify(session.clientRequest),
    JSON.stringify(session.snapshot),
    session.expiresAt,
    audit.type,
    audit.actorKeyId,
    audit.requestId,
    audit.ip,
    JSON.stringify(audit.details),
    session.kind,
  ]);
  return row.session_id;
}

/**
 * The claim of a completion as a CTE `c`: at most one completion per session, whatever the
 * instances. Returns the session columns verification needs, plus `storeColumns` of `s`.
 */
export function claimCte(kind: CeremonyKind, storeColumns = ''): string {
  return `WITH c AS (
     UPDATE ceremony_sessions cs SET status = 'SUCCEEDED', completed_at = now()
       FROM stores s
      WHERE cs.id = $1 AND cs.tenant_id = $2 AND cs.kind = '${kind}' AND cs.status = 'PENDING'
        AND cs.expires_at > now() AND s.id = cs.store_id AND s.tenant_id = $2 AND s.name = $3
      RETURNING cs.id, cs.tenant_id, cs.store_id, cs.relying_party_id, cs.user_id, cs.challenge, cs.snapshot${storeColumns})`;
}

/** The claimed session of a `claimCte` row. */
export function claimedSession(row: RawRow, kind: CeremonyKind): CeremonySessionEntity {
  return Object.assign(new CeremonySessionEntity(), {
    id: row.id,
    tenantId: row.tenant_id,
    storeId: row.store_id,
    relyingPartyId: row.relying_party_id,
    kind,
    userId: row.user_id,
    challenge: row.challenge,
    snapshot: row.snapshot,
  });
}

/**
 * A start's read found the store (`row`), its relying party (`rp_pk`) and the policy (`p_name`):
 * each missing one answers its own 404.
 */
export function assertStartTarget(
  row: RawRow | undefined,
  target: { storeName: string; rpId: string; policyName: string },
  kind: CeremonyKind,
): asserts row is RawRow {
  if (!row)
    throw new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${target.storeName} does not exist`);
  if (!row.rp_pk) {
    throw new DomainError(
      ErrorCode.RELYING_PARTY_NOT_FOUND,
      `Relying party ${target.rpId} does not exist in this store`,
    );
  }
  if (!row.p_name) {
    const [code, what] =
      kind === CeremonyKind.AUTHENTICATION
        ? [ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND, 'authentication']
        : [ErrorCode.REGISTRATION_POLICY_NOT_FOUND, 'registration'];
    throw new DomainError(
      code,
      `No ${what} policy ${target.policyName} for relying party ${target.rpId}`,
    );
  }
}
