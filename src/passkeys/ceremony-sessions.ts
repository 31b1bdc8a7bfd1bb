import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors';
import { prepared, runPrepared } from '../database/prepared';
import { StoreEntity } from '../stores/store.entity';
import type { LockConfig } from './ceremony/lockout';
import { CeremonyKind, CeremonySessionEntity, SessionStatus } from './ceremony-session.entity';
import { CeremonySessionDto } from './dto/ceremony.dto';

type Row = Record<string, unknown>;

const SESSION_COLUMNS = `id, tenant_id, store_id, relying_party_id, kind, status, user_id, challenge, client_request,
  snapshot, expires_at, created_at, completed_at, outcome, failure_code, failure_detail`;

const CLAIM = prepared(
  'ceremony_claim',
  `UPDATE ceremony_sessions cs SET status = 'SUCCEEDED', completed_at = now()
     FROM stores s
    WHERE cs.id = $1 AND cs.tenant_id = $2 AND cs.kind = $4 AND cs.status = 'PENDING' AND cs.expires_at > now()
      AND s.id = cs.store_id AND s.tenant_id = $2 AND s.name = $3
    RETURNING ${SESSION_COLUMNS.replace(/(\w+)/g, 'cs.$1')}, s.max_failed_attempts, s.temp_lock_seconds, s.max_temp_locks_before_lock`,
);

function toEntity(row: Row): CeremonySessionEntity {
  return Object.assign(new CeremonySessionEntity(), {
    id: row.id,
    tenantId: row.tenant_id,
    storeId: row.store_id,
    relyingPartyId: row.relying_party_id,
    kind: row.kind,
    status: row.status,
    userId: row.user_id,
    challenge: row.challenge,
    clientRequest: row.client_request,
    snapshot: row.snapshot,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    outcome: row.outcome,
    failureCode: row.failure_code,
    failureDetail: row.failure_detail,
  });
}

export interface Claimed {
  session: CeremonySessionEntity;
  /** The store's lockout configuration, read with the claim. */
  lock: LockConfig;
}

export interface SessionEnd {
  status: SessionStatus.SUCCEEDED | SessionStatus.FAILED;
  userId?: string | null;
  outcome?: object;
  failure?: DomainError;
}

/** Ceremony sessions in PostgreSQL: any instance completes what another started. */
@Injectable()
export class CeremonySessions {
  constructor(
    @InjectRepository(CeremonySessionEntity)
    private readonly sessions: Repository<CeremonySessionEntity>,
  ) {}

  async create(
    manager: EntityManager | undefined,
    values: Partial<CeremonySessionEntity>,
  ): Promise<CeremonySessionEntity> {
    const repo = manager ? manager.getRepository(CeremonySessionEntity) : this.sessions;
    const session = repo.create({ ...values, status: SessionStatus.PENDING });
    await repo.insert(session);
    return session;
  }

  /**
   * Takes the session for completion, atomically: a session completes at most once, whatever
   * the number of concurrent calls or instances. The caller's transaction then settles it as
   * SUCCEEDED or FAILED; the row stays locked until then.
   */
  async claim(
    m: EntityManager,
    tenantId: string,
    storeName: string,
    sessionId: string,
    kind: CeremonyKind,
  ): Promise<Claimed> {
    const [rows] = await runPrepared<[Row[], number]>(m, CLAIM, [
      sessionId,
      tenantId,
      storeName,
      kind,
    ]);
    if (rows.length === 1) {
      const row = rows[0];
      return {
        session: toEntity(row),
        lock: {
          maxFailedAttempts: row.max_failed_attempts as number,
          tempLockSeconds: row.temp_lock_seconds as number,
          maxTempLocksBeforeLock: row.max_temp_locks_before_lock as number,
        },
      };
    }
    throw await this.notClaimable(m, tenantId, storeName, sessionId, kind);
  }

  /** Why a claim found nothing: no store, no session, expired (marked so), or completed. */
  async notClaimable(
    m: EntityManager,
    tenantId: string,
    storeName: string,
    sessionId: string,
    kind: CeremonyKind,
  ): Promise<DomainError> {
    const store = await m
      .getRepository(StoreEntity)
      .findOne({ where: { tenantId, name: storeName } });
    if (!store)
      return new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${storeName} does not exist`);
    return this.whyNotClaimable(m, store, sessionId, kind);
  }

  private async whyNotClaimable(
    m: EntityManager,
    store: StoreEntity,
    id: string,
    kind: CeremonyKind,
  ): Promise<DomainError> {
    const session = await m
      .getRepository(CeremonySessionEntity)
      .findOne({ where: { id, storeId: store.id, tenantId: store.tenantId, kind } });
    if (!session) return notFound(id);
    if (session.status === SessionStatus.PENDING) {
      await m.update(
        CeremonySessionEntity,
        { id, status: SessionStatus.PENDING },
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

  async end(m: EntityManager, id: string, end: SessionEnd): Promise<void> {
    await m.update(
      CeremonySessionEntity,
      { id },
      {
        status: end.status,
        ...(end.userId !== undefined ? { userId: end.userId } : {}),
        outcome: end.outcome ?? null,
        failureCode: end.failure?.code ?? null,
        failureDetail: end.failure?.detail.slice(0, 1000) ?? null,
      },
    );
  }

  async get(store: StoreEntity, id: string, kind: CeremonyKind): Promise<CeremonySessionDto> {
    const session = await this.sessions.findOne({
      where: { id, storeId: store.id, tenantId: store.tenantId, kind },
    });
    if (!session) throw notFound(id);
    return toDto(session);
  }

  /** A pending session can be cancelled; cancelled sessions never count as failed attempts. */
  async cancel(store: StoreEntity, id: string, kind: CeremonyKind): Promise<CeremonySessionDto> {
    const result = await this.sessions
      .createQueryBuilder()
      .update()
      .set({ status: SessionStatus.CANCELLED, completedAt: () => 'now()' })
      .where(
        'id = :id AND store_id = :storeId AND tenant_id = :tenantId AND kind = :kind AND status = :pending',
        {
          id,
          storeId: store.id,
          tenantId: store.tenantId,
          kind,
          pending: SessionStatus.PENDING,
        },
      )
      .execute();
    const session = await this.get(store, id, kind);
    if (!result.affected) {
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
