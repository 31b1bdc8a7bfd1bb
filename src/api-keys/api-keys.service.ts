import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { generateApiKey } from '../auth/api-key-secret';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { ApiKeyEntity, ApiKeyStatus } from './api-key.entity';
import { checkGrantable, checkManageable } from './api-key-permissions';
import {
  ApiKeyListQueryDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  UpdateApiKeyDto,
} from './dto/api-key.dto';

const STATUS_EVENT: Record<ApiKeyStatus, AuditEventType> = {
  [ApiKeyStatus.ACTIVE]: AuditEventType.API_KEY_UPDATED,
  [ApiKeyStatus.BLOCKED]: AuditEventType.API_KEY_BLOCKED,
  [ApiKeyStatus.ARCHIVED]: AuditEventType.API_KEY_ARCHIVED,
};

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly host: TransactionHost,
    private readonly audit: AuditService,
  ) {}

  private get keys(): Repository<ApiKeyEntity> {
    return this.host.manager.getRepository(ApiKeyEntity);
  }

  async create(ctx: RequestContext, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    checkGrantable(dto.permissions, ctx.tenantId, ctx.principal);
    const expiresAt = futureDate(dto.expiresAt);
    const secret = generateApiKey();
    const entity = this.keys.create({
      id: secret.id,
      tenantId: ctx.tenantId,
      name: dto.name,
      description: dto.description ?? null,
      status: ApiKeyStatus.ACTIVE,
      permissions: [...new Set(dto.permissions)],
      secretHash: secret.hash,
      isPlatform: false,
      expiresAt,
      lastUsedAt: null,
      createdBy: ctx.principal.keyId,
    });
    await this.host.run(async () => {
      await this.keys.insert(entity);
      await this.audit.record(ctx, {
        type: AuditEventType.API_KEY_CREATED,
        details: { keyId: entity.id, permissions: entity.permissions },
      });
    });
    return { ...ApiKeyResponseDto.from(entity), key: secret.key };
  }

  async list(ctx: RequestContext, query: ApiKeyListQueryDto): Promise<Page<ApiKeyResponseDto>> {
    const request = pageRequest(query);
    const sort = resolveSort(
      query.sort,
      { createdAt: 'k.created_at', name: 'k.name', lastUsedAt: 'k.last_used_at' },
      ['createdAt', 'ASC'],
    );
    const qb = this.keys
      .createQueryBuilder('k')
      .where('k.tenant_id = :tenantId', { tenantId: ctx.tenantId });
    if (query.status) qb.andWhere('k.status = :status', { status: query.status });
    const [rows, total] = await qb
      .orderBy(sort.column, sort.direction)
      .addOrderBy('k.id', 'ASC')
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows.map(ApiKeyResponseDto.from), total, request);
  }

  async get(ctx: RequestContext, keyId: string): Promise<ApiKeyResponseDto> {
    return ApiKeyResponseDto.from(await this.find(ctx, keyId));
  }

  async update(
    ctx: RequestContext,
    keyId: string,
    dto: UpdateApiKeyDto,
  ): Promise<ApiKeyResponseDto> {
    const expiresAt = dto.expiresAt === undefined ? undefined : futureDate(dto.expiresAt);
    const key = await this.host.run(async () => {
      const repo = this.keys;
      const current = await repo.findOne({
        where: { id: keyId, tenantId: ctx.tenantId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw notFound(keyId);
      checkManageable(current, ctx.principal);
      checkNotArchived(current, dto);
      if (dto.permissions) checkGrantable(dto.permissions, ctx.tenantId, ctx.principal);
      if (dto.name !== undefined) current.name = dto.name;
      if (dto.description !== undefined) current.description = dto.description;
      if (dto.status !== undefined) current.status = dto.status;
      if (dto.permissions !== undefined) current.permissions = [...new Set(dto.permissions)];
      if (expiresAt !== undefined) current.expiresAt = expiresAt;
      const saved = await repo.save(current);
      await this.audit.record(ctx, {
        type: dto.status ? STATUS_EVENT[dto.status] : AuditEventType.API_KEY_UPDATED,
        details: { keyId, changes: Object.keys(dto) },
      });
      return saved;
    });
    return ApiKeyResponseDto.from(key);
  }

  async delete(ctx: RequestContext, keyId: string): Promise<void> {
    await this.host.run(async () => {
      const repo = this.keys;
      const current = await repo.findOne({
        where: { id: keyId, tenantId: ctx.tenantId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw notFound(keyId);
      checkManageable(current, ctx.principal);
      await repo.delete({ id: keyId, tenantId: ctx.tenantId });
      await this.audit.record(ctx, { type: AuditEventType.API_KEY_DELETED, details: { keyId } });
    });
  }

  private async find(ctx: RequestContext, keyId: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findOne({ where: { id: keyId, tenantId: ctx.tenantId } });
    if (!key) throw notFound(keyId);
    return key;
  }
}

function notFound(keyId: string): DomainError {
  return new DomainError(ErrorCode.API_KEY_NOT_FOUND, `API key ${keyId} does not exist`);
}

/** ARCHIVED is an end state: the key may be renamed or deleted, never used again. */
function checkNotArchived(key: ApiKeyEntity, dto: UpdateApiKeyDto): void {
  if (key.status !== ApiKeyStatus.ARCHIVED) return;
  const revives = dto.status !== undefined && dto.status !== ApiKeyStatus.ARCHIVED;
  if (revives || dto.permissions !== undefined || dto.expiresAt !== undefined) {
    throw new DomainError(
      ErrorCode.API_KEY_ARCHIVED,
      `API key ${key.id} is archived: its status, permissions and expiry can no longer change`,
    );
  }
}

function futureDate(value: string | null | undefined): Date | null {
  if (value === undefined || value === null) return null;
  const date = new Date(value);
  if (date.getTime() <= Date.now())
    throw DomainError.invalidField('expiresAt', 'must be in the future');
  return date;
}
