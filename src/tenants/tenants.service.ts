import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import {
  CreateTenantDto,
  DEFAULT_LIMITS,
  TenantListQueryDto,
  TenantResponseDto,
  UpdateTenantDto,
} from './dto/tenant.dto';
import { TenantEntity, TenantStatus } from './tenant.entity';

@Injectable()
export class TenantsService {
  constructor(
    private readonly host: TransactionHost,
    private readonly audit: AuditService,
  ) {}

  private get tenants(): Repository<TenantEntity> {
    return this.host.manager.getRepository(TenantEntity);
  }

  async create(ctx: RequestContext, dto: CreateTenantDto): Promise<TenantResponseDto> {
    const limits = { ...DEFAULT_LIMITS, ...dto.limits };
    const tenant = await this.host.run(async () => {
      const repo = this.tenants;
      const created = repo.create({
        id: dto.id,
        name: dto.name,
        status: TenantStatus.ACTIVE,
        ...limits,
        rateLimitPerKey: dto.rateLimits?.perApiKeyPerMinute ?? null,
        rateLimitPerIp: dto.rateLimits?.perIpPerMinute ?? null,
      });
      try {
        await repo.insert(created);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new DomainError(ErrorCode.TENANT_ALREADY_EXISTS, `Tenant ${dto.id} already exists`, {
          errors: [{ field: 'id', in: 'body', message: 'already exists' }],
        });
      }
      await this.audit.record(ctx, {
        type: AuditEventType.TENANT_CREATED,
        tenantId: dto.id,
        details: { tenantId: dto.id },
      });
      return created;
    });
    return TenantResponseDto.from(tenant);
  }

  async list(query: TenantListQueryDto): Promise<Page<TenantResponseDto>> {
    const request = pageRequest(query);
    const sort = resolveSort(
      query.sort,
      { id: 't.id', name: 't.name', createdAt: 't.created_at' },
      ['id', 'ASC'],
    );
    const [rows, total] = await this.tenants
      .createQueryBuilder('t')
      .orderBy(sort.column, sort.direction)
      .addOrderBy('t.id', 'ASC')
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
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
      const repo = this.tenants;
      const current = await repo.findOne({
        where: { id: tenantId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw notFound(tenantId);
      repo.merge(current, {
        ...(dto.name !== undefined ? { name: dto.name } : {}),
        ...(dto.status !== undefined ? { status: dto.status } : {}),
        ...dto.limits,
        ...(dto.rateLimits?.perApiKeyPerMinute !== undefined
          ? { rateLimitPerKey: dto.rateLimits.perApiKeyPerMinute }
          : {}),
        ...(dto.rateLimits?.perIpPerMinute !== undefined
          ? { rateLimitPerIp: dto.rateLimits.perIpPerMinute }
          : {}),
      });
      const saved = await repo.save(current);
      await this.audit.record(ctx, {
        type: AuditEventType.TENANT_UPDATED,
        tenantId,
        details: { changes: dto },
      });
      return saved;
    });
    return TenantResponseDto.from(tenant);
  }

  /** Deletes the tenant and, by cascade, everything in it. */
  async delete(ctx: RequestContext, tenantId: string): Promise<void> {
    await this.host.run(async () => {
      const result = await this.tenants.delete({ id: tenantId });
      if (!result.affected) throw notFound(tenantId);
      await this.audit.record(ctx, {
        type: AuditEventType.TENANT_DELETED,
        tenantId,
        details: { tenantId },
      });
    });
  }

  async limits(tenantId: string): Promise<{
    tenantId: string;
    limits: TenantResponseDto['limits'];
    usage: { stores: number; users: number };
  }> {
    const tenant = await this.find(tenantId);
    const [{ count }] = await this.host.manager.query(
      'SELECT count(*)::int AS count FROM stores WHERE tenant_id = $1',
      [tenantId],
    );
    return {
      tenantId,
      limits: TenantResponseDto.from(tenant).limits,
      usage: { stores: count, users: tenant.userCount },
    };
  }

  private async find(tenantId: string): Promise<TenantEntity> {
    const tenant = await this.tenants.findOne({ where: { id: tenantId } });
    if (!tenant) throw notFound(tenantId);
    return tenant;
  }
}

function notFound(tenantId: string): DomainError {
  return new DomainError(ErrorCode.TENANT_NOT_FOUND, `Tenant ${tenantId} does not exist`);
}
