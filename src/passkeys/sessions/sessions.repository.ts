import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { prepared, runPrepared } from '../../database/prepared';
import { TransactionHost } from '../../database/transaction-host';
import type { AuditRow } from './rows';
import { DomainError, ErrorCode } from '../../common/errors';
import { storableText } from '../../common/text';
import { StoreEntity } from '../../stores/store.entity';
import { CeremonyKind, CeremonySessionEntity, SessionStatus } from './ceremony-session.entity';
import { CeremonySessionDto } from '../dto/ceremony.dto';

/** Ceremony sessions in PostgreSQL: any instance completes what another started. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly host: TransactionHost) {}

  private get sessions(): Repository<CeremonySessionEntity> {
    return this.host.manager.getRepository(CeremonySessionEntity);
  }

  /** A PENDING session and its audit event (which gets the session id) in one statement. */
  async insert(session: NewSession, audit: AuditRow): Promise<string> {
    const [row] = await runPrepared<{ session_id: string }[]>(this.host.executor, INSERT_SESSION, [
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

  /** Why a completion found no pending session: no store, no session, expired (marked so), or completed. */
  async notClaimable(
    tenantId: string,
    storeName: string,
    sessionId: string,
    kind: CeremonyKind,
  ): Promise<DomainError> {
    const store = await this.store(tenantId, storeName);
    if (!store)
      return new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${storeName} does not exist`);
    return this.whyNotClaimable(store, sessionId, kind);
  }

  /** The store a session route names (the session must be in it). */
  private store(tenantId: string, storeName: string): Promise<StoreEntity | null> {
    return this.host.manager
      .getRepository(StoreEntity)
      .findOne({ where: { tenantId, name: storeName } });
  }

  private async storeOrThrow(tenantId: string, storeName: string): Promise<StoreEntity> {
    const store = await this.store(tenantId, storeName);
    if (!store)
      throw new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${storeName} does not exist`);
    return store;
  }

  private async whyNotClaimable(
    store: StoreEntity,
    id: string,
    kind: CeremonyKind,
  ): Promise<DomainError> {
    const session = await this.sessions.findOne({
      where: { id, storeId: store.id, tenantId: store.tenantId, kind },
    });
    if (!session) return notFound(id);
    if (session.status === SessionStatus.PENDING) {
      await this.sessions.update(
        { tenantId: store.tenantId, id, status: SessionStatus.PENDING },
        { status: SessionStatus.EXPIRED },
      );
      return new DomainError(
        ErrorCode.SESSION_EXPIRED,
        `Session ${id} expired at ${session.expiresAt.toISOString()}`,
      );
    }
    if (session.status === SessionStatus.EXPIRED) {
      return new DomainError(
        ErrorCode.SESSION_EXPIRED,
        `Session ${id} expired at ${session.expiresAt.toISOString()}`,
      );
    }
    return new DomainError(
      ErrorCode.SESSION_ALREADY_COMPLETED,
      `Session ${id} is already ${session.status}`,
    );
  }

  /** Ends a pending session FAILED with the reason; false when it was not pending any more. */
  async failPending(
    tenantId: string,
    session: { id: string; kind: CeremonyKind; userId: string | null },
    failure: DomainError,
  ): Promise<boolean> {
    const [rows] = await runPrepared<[unknown[], number]>(this.host.executor, FAIL_PENDING, [
      tenantId,
      session.id,
      session.kind,
      session.userId,
      failure.code,
      storableText(failure.detail, 1000),
    ]);
    return rows.length === 1;
  }

  /** A session of the store, as the API shows it. */
  async get(
    tenantId: string,
    storeName: string,
    id: string,
    kind: CeremonyKind,
  ): Promise<CeremonySessionDto> {
    return this.getIn(await this.storeOrThrow(tenantId, storeName), id, kind);
  }

  private async getIn(
    store: StoreEntity,
    id: string,
    kind: CeremonyKind,
  ): Promise<CeremonySessionDto> {
    const session = await this.sessions.findOne({
      where: { id, storeId: store.id, tenantId: store.tenantId, kind },
    });
    if (!session) throw notFound(id);
    return toDto(session);
  }

  /**
   * A pending session can be cancelled; cancelled sessions never count as failed attempts. The
   * cancellation and its audit event (which gets the session and user ids) are one statement.
   */
  async cancel(
    tenantId: string,
    storeName: string,
    id: string,
    kind: CeremonyKind,
    audit: AuditRow,
  ): Promise<CeremonySessionDto> {
    const store = await this.storeOrThrow(tenantId, storeName);
    const [row] = await runPrepared<{ cancelled: number }[]>(this.host.executor, CANCEL_PENDING, [
      store.tenantId,
      id,
      store.id,
      kind,
      audit.type,
      audit.actorKeyId,
      audit.requestId,
      audit.ip,
      JSON.stringify(audit.details),
    ]);
    const session = await this.getIn(store, id, kind);
    if (row.cancelled === 0) {
      throw new DomainError(
        ErrorCode.SESSION_ALREADY_COMPLETED,
        `Session ${id} is already ${session.status}`,
      );
    }
    return session;
  }
}

function notFound(id: string): DomainError {
  return new DomainError(
    ErrorCode.SESSION_NOT_FOUND,
    `No such ceremony session ${id} in this store`,
  );
}

function toDto(s: CeremonySessionEntity): CeremonySessionDto {
  const expired = s.status === SessionStatus.PENDING && s.expiresAt.getTime() <= Date.now();
  return {
    sessionId: s.id,
    kind: s.kind,
    status: expired ? SessionStatus.EXPIRED : s.status,
    rpId: s.snapshot.rpId,
    policyName: s.snapshot.policyName,
    userId: s.userId,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    completedAt: s.completedAt?.toISOString() ?? null,
    outcome: s.outcome as Record<string, unknown> | null,
    failure: s.failureCode ? { code: s.failureCode, detail: s.failureDetail ?? '' } : null,
  };
}

/** The user columns a ceremony reads, aliased `u_*` (the table must be aliased `u`). */
export const USER_COLUMNS = `u.id AS u_id, u.tenant_id AS u_tenant_id, u.store_id AS u_store_id,
  u.external_id AS u_external_id, u.user_name AS u_user_name, u.display_name AS u_display_name,
  u.status AS u_status, u.failed_attempts AS u_failed_attempts, u.lock_count AS u_lock_count,
  u.temp_locked_until AS u_temp_locked_until`;

/** How USER_COLUMNS come back from a JSON first read (`JsonColumns` of access.repository). */
export const USER_JSON = { dates: ['u_temp_locked_until'] } as const;

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

const CANCEL_PENDING = prepared(
  'ceremony_cancel_pending',
  `WITH c AS (
     UPDATE ceremony_sessions SET status = 'CANCELLED', completed_at = now()
      WHERE tenant_id = $1 AND id = $2 AND store_id = $3 AND kind = $4 AND status = 'PENDING'
      RETURNING id, user_id),
   a AS (
     INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
     SELECT $1, $5, $6, $7, $8, $9::jsonb || jsonb_build_object('sessionId', c.id, 'userId', c.user_id) FROM c)
   SELECT count(*)::int AS cancelled FROM c`,
);

/** A failed completion claims its session (only a pending one: a concurrent completion won). */
const FAIL_PENDING = prepared(
  'ceremony_fail_pending',
  `UPDATE ceremony_sessions SET status = 'FAILED', completed_at = now(), user_id = coalesce($4, user_id),
          failure_code = $5, failure_detail = $6
    WHERE tenant_id = $1 AND id = $2 AND kind = $3 AND status = 'PENDING' AND expires_at > now()
   RETURNING id`,
);
