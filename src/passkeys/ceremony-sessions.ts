import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors';
import { StoreEntity } from '../stores/store.entity';
import { CeremonyKind, CeremonySessionEntity, SessionStatus } from './ceremony-session.entity';
import { CeremonySessionDto } from './dto/ceremony.dto';

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
