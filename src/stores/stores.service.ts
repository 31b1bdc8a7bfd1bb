import { Injectable } from '@nestjs/common';
import { auditChanges, auditSummary } from '../audit/audit-details';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { assertStoreQuota } from '../tenants/tenant-rules';
import { UserStatus } from './user-status';
import {
  CreateStoreDto,
  DEFAULT_LOCK,
  StoreListQueryDto,
  StoreResponseDto,
  UpdateStoreDto,
} from './dto/store.dto';
import { StoreEntity } from './store.entity';
import { StoresRepository } from './stores.repository';

/** What the audit log keeps of a store (all of it is configuration). */
const AUDITED: (keyof StoreEntity & string)[] = [
  'name',
  'description',
  'defaultLocale',
  'defaultTimeZone',
  'defaultUserStatus',
  'maxFailedAttempts',
  'tempLockSeconds',
  'maxTempLocksBeforeLock',
];

@Injectable()
export class StoresService {
  constructor(
    private readonly host: TransactionHost,
    private readonly repository: StoresRepository,
    private readonly audit: AuditService,
  ) {}

  /** The store `name` of the request's tenant, or STORE_NOT_FOUND (also for other tenants' stores). */
  async find(ctx: RequestContext, name: string): Promise<StoreEntity> {
    const store = await this.repository.findByName(ctx.tenantId, name);
    if (!store) throw notFound(name);
    return store;
  }

  async create(ctx: RequestContext, dto: CreateStoreDto): Promise<StoreResponseDto> {
    const store = await this.host.run(async () => {
      const quota = await this.repository.lockStoreQuota(ctx.tenantId);
      if (quota) assertStoreQuota(ctx.tenantId, quota.storeCount, quota.maxStores);
      let created: StoreEntity;
      try {
        created = await this.repository.insert(ctx.tenantId, {
          name: dto.name,
          description: dto.description ?? null,
          defaultLocale: dto.defaultLocale ?? 'en-US',
          defaultTimeZone: dto.defaultTimeZone ?? 'UTC',
          defaultUserStatus: dto.defaultUserStatus ?? UserStatus.ACTIVE,
          ...DEFAULT_LOCK,
          ...dto.lockConfiguration,
          userCount: 0,
        });
      } catch (error) {
        throw isUniqueViolation(error) ? alreadyExists(dto.name) : error;
      }
      await this.audit.record(ctx, {
        type: AuditEventType.STORE_CREATED,
        details: { storeId: created.id, after: auditSummary(created, AUDITED) },
      });
      return created;
    });
    return StoreResponseDto.from(store);
  }

  async list(ctx: RequestContext, query: StoreListQueryDto): Promise<Page<StoreResponseDto>> {
    const request = pageRequest(query);
    const [rows, total] = await this.repository.list(ctx.tenantId, query.sort, request);
    return toPage(rows.map(StoreResponseDto.from), total, request);
  }

  async get(ctx: RequestContext, name: string): Promise<StoreResponseDto> {
    return StoreResponseDto.from(await this.find(ctx, name));
  }

  async update(ctx: RequestContext, name: string, dto: UpdateStoreDto): Promise<StoreResponseDto> {
    const store = await this.host.run(async () => {
      const current = await this.find(ctx, name);
      const before = auditSummary(current, AUDITED);
      const { lockConfiguration, ...fields } = dto;
      let found: boolean;
      try {
        found = await this.repository.update(ctx.tenantId, current, {
          ...fields,
          ...lockConfiguration,
        });
      } catch (error) {
        throw isUniqueViolation(error) ? alreadyExists(dto.name ?? name) : error;
      }
      if (!found) throw notFound(name);
      await this.audit.record(ctx, {
        type: AuditEventType.STORE_UPDATED,
        details: { storeId: current.id, ...auditChanges(before, auditSummary(current, AUDITED)) },
      });
      return current;
    });
    return StoreResponseDto.from(store);
  }

  /** Deletes the store and, by cascade, its users, passkeys, relying parties and sessions. */
  async delete(ctx: RequestContext, name: string): Promise<void> {
    await this.host.run(async () => {
      const deleted = await this.repository.delete(ctx.tenantId, name);
      if (!deleted) throw notFound(name);
      await this.audit.record(ctx, {
        type: AuditEventType.STORE_DELETED,
        details: { storeId: deleted.id, before: { name, userCount: deleted.userCount } },
      });
    });
  }
}

function notFound(name: string): DomainError {
  return new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${name} does not exist`);
}

function alreadyExists(name: string): DomainError {
  return new DomainError(ErrorCode.STORE_ALREADY_EXISTS, `Store ${name} already exists`, {
    errors: [{ field: 'name', in: 'body', message: 'already exists in this tenant' }],
  });
}
