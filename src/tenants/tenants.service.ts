import { Injectable } from '@nestjs/common';
import { auditChanges, auditSummary } from '../audit/audit-details';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import {
  CreateTenantDto,
  DEFAULT_LIMITS,
  TenantListQueryDto,
  TenantResponseDto,
  UpdateTenantDto,
} from './dto/tenant.dto';
import { TenantEntity } from './tenant.entity';
import { TenantStatus } from './tenant-rules';
import { TenantsRepository } from './tenants.repository';

/** What the audit log keeps of a tenant. */
const AUDITED: (keyof TenantEntity & string)[] = [
  'name',
  'status',
  'maxStores',
  'maxUsers',
  'maxPasskeysPerUser',
  'rateLimitPerKey',
  'rateLimitPerIp',
];

@Injectable()
export class TenantsService {
  constructor(
    private readonly host: TransactionHost,
    private readonly audit: AuditService,
    private readonly repository: TenantsRepository,
  ) {}

  async create(ctx: RequestContext, dto: CreateTenantDto): Promise<TenantResponseDto> {
    const limits = { ...DEFAULT_LIMITS, ...dto.limits };
    const tenant = await this.host.run(async () => {
      // a deleted tenant's id is not given again: its audit log and chain are kept, and the new
      // tenant would read them (and continue its chain) as its own
      if (
        !(await this.repository.find(dto.id)) &&
        (await this.repository.hasAuditHistory(dto.id))
      ) {
        throw new DomainError(
          ErrorCode.TENANT_ALREADY_EXISTS,
          `Tenant id ${dto.id} belonged to a deleted tenant, whose audit log is kept: choose another`,
          { errors: [{ field: 'id', in: 'body', message: 'used before, by a deleted tenant' }] },
        );
      }
      let created: TenantEntity;
      try {
        created = await this.repository.insert(dto.id, {
          name: dto.name,
          status: TenantStatus.ACTIVE,
          ...limits,
          rateLimitPerKey: dto.rateLimits?.perApiKeyPerMinute ?? null,
          rateLimitPerIp: dto.rateLimits?.perIpPerMinute ?? null,
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new DomainError(ErrorCode.TENANT_ALREADY_EXISTS, `Tenant ${dto.id} already exists`, {
          errors: [{ field: 'id', in: 'body', message: 'already exists' }],
        });
      }
      await this.audit.record(ctx, {
        type: AuditEventType.TENANT_CREATED,
        tenantId: dto.id,
        details: { tenantId: dto.id, after: auditSummary(created, AUDITED) },
      });
      return created;
    });
    return TenantResponseDto.from(tenant);
  }

  async list(query: TenantListQueryDto): Promise<Page<TenantResponseDto>> {
    const request = pageRequest(query);
    const [rows, total] = await this.repository.list(query.sort, request);
    return toPage(rows.map(TenantResponseDto.from), total, request);
  }

  async get(tenantId: string): Promise<TenantResponseDto> {
    return TenantResponseDto.from(await this.find(tenantId));
  }

  async update(
    ctx: RequestContext,
    tenantId: string,
    dto: UpdateTenantDto,
  ): Promise<TenantResponseDto> {
    const tenant = await this.host.run(async () => {
      const current = await this.repository.find(tenantId, { lock: true });
      if (!current) throw notFound(tenantId);
      const before = auditSummary(current, AUDITED);
      const found = await this.repository.update(tenantId, current, {
        name: dto.name,
        status: dto.status,
        ...dto.limits,
        rateLimitPerKey: dto.rateLimits?.perApiKeyPerMinute,
        rateLimitPerIp: dto.rateLimits?.perIpPerMinute,
      });
      if (!found) throw notFound(tenantId);
      await this.audit.record(ctx, {
        type: AuditEventType.TENANT_UPDATED,
        tenantId,
        details: { tenantId, ...auditChanges(before, auditSummary(current, AUDITED)) },
      });
      return current;
    });
    return TenantResponseDto.from(tenant);
  }

  /** Deletes the tenant and, by cascade, everything in it. */
  async delete(ctx: RequestContext, tenantId: string): Promise<void> {
    await this.host.run(async () => {
      const current = await this.repository.find(tenantId, { lock: true });
      if (!current || !(await this.repository.delete(tenantId))) throw notFound(tenantId);
      await this.audit.record(ctx, {
        type: AuditEventType.TENANT_DELETED,
        tenantId,
        details: { tenantId, before: auditSummary(current, AUDITED) },
      });
    });
  }

  async limits(tenantId: string): Promise<{
    tenantId: string;
    limits: TenantResponseDto['limits'];
    usage: { stores: number; users: number };
  }> {
    const tenant = await this.find(tenantId);
    const stores = await this.repository.countStores(tenantId);
    return {
      tenantId,
      limits: TenantResponseDto.from(tenant).limits,
      usage: { stores, users: tenant.userCount },
    };
  }

  private async find(tenantId: string): Promise<TenantEntity> {
    const tenant = await this.repository.find(tenantId);
    if (!tenant) throw notFound(tenantId);
    return tenant;
  }
}

function notFound(tenantId: string): DomainError {
  return new DomainError(ErrorCode.TENANT_NOT_FOUND, `Tenant ${tenantId} does not exist`);
}
