import { Injectable } from '@nestjs/common';
import { auditChanges, auditSummary } from '../audit/audit-details';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { StoreEntity } from '../stores/store.entity';
import { StoresService } from '../stores/stores.service';
import {
  CreateRelyingPartyDto,
  RelyingPartyListQueryDto,
  RelyingPartyResponseDto,
  UpdateRelyingPartyDto,
} from './dto/relying-party.dto';
import { RelyingPartiesRepository } from './relying-parties.repository';
import { RelyingPartyEntity } from './relying-party.entity';
import { originProblems } from './rp-rules';

/** What the audit log keeps of a relying party. */
const AUDITED: (keyof RelyingPartyEntity & string)[] = ['rpId', 'name', 'origins'];

@Injectable()
export class RelyingPartiesService {
  constructor(
    private readonly host: TransactionHost,
    private readonly stores: StoresService,
    private readonly repository: RelyingPartiesRepository,
    private readonly audit: AuditService,
  ) {}

  async find(ctx: RequestContext, store: StoreEntity, rpId: string): Promise<RelyingPartyEntity> {
    const rp = await this.repository.find(ctx.tenantId, store.id, rpId);
    if (!rp) throw notFound(rpId);
    return rp;
  }

  /** Store and relying party of a path, each missing one with its own 404 code. */
  async resolve(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
  ): Promise<{ store: StoreEntity; rp: RelyingPartyEntity }> {
    const store = await this.stores.find(ctx, storeName);
    return { store, rp: await this.find(ctx, store, rpId) };
  }

  async create(
    ctx: RequestContext,
    storeName: string,
    dto: CreateRelyingPartyDto,
  ): Promise<RelyingPartyResponseDto> {
    const origins = checkOrigins(dto.rpId, dto.origins ?? []);
    const rp = await this.host.run(async () => {
      const store = await this.stores.find(ctx, storeName);
      let created: RelyingPartyEntity;
      try {
        created = await this.repository.insert(ctx.tenantId, store.id, {
          rpId: dto.rpId,
          name: dto.name,
          origins,
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new DomainError(
          ErrorCode.RELYING_PARTY_ALREADY_EXISTS,
          `Relying party ${dto.rpId} already exists in this store`,
          {
            errors: [{ field: 'rpId', in: 'body', message: 'already exists in this store' }],
          },
        );
      }
      await this.audit.record(ctx, {
        type: AuditEventType.RELYING_PARTY_CREATED,
        details: {
          relyingPartyId: created.id,
          storeId: store.id,
          after: auditSummary(created, AUDITED),
        },
      });
      return created;
    });
    return RelyingPartyResponseDto.from(rp);
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    query: RelyingPartyListQueryDto,
  ): Promise<Page<RelyingPartyResponseDto>> {
    const store = await this.stores.find(ctx, storeName);
    const request = pageRequest(query);
    const [rows, total] = await this.repository.list(ctx.tenantId, store.id, query.sort, request);
    return toPage(rows.map(RelyingPartyResponseDto.from), total, request);
  }

  async get(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
  ): Promise<RelyingPartyResponseDto> {
    return RelyingPartyResponseDto.from((await this.resolve(ctx, storeName, rpId)).rp);
  }

  /** The rpId itself cannot change: credentials are bound to it. */
  async update(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: UpdateRelyingPartyDto,
  ): Promise<RelyingPartyResponseDto> {
    const updated = await this.host.run(async () => {
      const { rp } = await this.resolve(ctx, storeName, rpId);
      const before = auditSummary(rp, AUDITED);
      const changes = {
        name: dto.name,
        origins: dto.origins === undefined ? undefined : checkOrigins(rp.rpId, dto.origins),
      };
      if (!(await this.repository.update(ctx.tenantId, rp, changes))) throw notFound(rpId);
      await this.audit.record(ctx, {
        type: AuditEventType.RELYING_PARTY_UPDATED,
        details: {
          relyingPartyId: rp.id,
          rpId: rp.rpId,
          ...auditChanges(before, auditSummary(rp, AUDITED)),
        },
      });
      return rp;
    });
    return RelyingPartyResponseDto.from(updated);
  }

  /** Deletes it; its policies, passkeys and sessions go by cascade. */
  async delete(ctx: RequestContext, storeName: string, rpId: string): Promise<void> {
    await this.host.run(async () => {
      const { rp } = await this.resolve(ctx, storeName, rpId);
      await this.repository.delete(ctx.tenantId, rp.storeId, rp.id);
      await this.audit.record(ctx, {
        type: AuditEventType.RELYING_PARTY_DELETED,
        details: { relyingPartyId: rp.id, storeId: rp.storeId, before: auditSummary(rp, AUDITED) },
      });
    });
  }
}

function notFound(rpId: string): DomainError {
  return new DomainError(
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    `Relying party ${rpId} does not exist in this store`,
  );
}

function checkOrigins(rpId: string, origins: string[]): string[] {
  const errors = originProblems(rpId, origins);
  if (errors.length > 0) {
    throw new DomainError(ErrorCode.VALIDATION_FAILED, errors.map((e) => e.message).join('; '), {
      errors,
    });
  }
  return [...new Set(origins)];
}
