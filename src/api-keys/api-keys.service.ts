import { Injectable } from '@nestjs/common';
import { auditChanges, auditSummary } from '../audit/audit-details';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { generateApiKey } from '../auth/api-key-secret';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { ApiKeyEntity, ApiKeyStatus } from './api-key.entity';
import { checkGrantable, checkLifetime, checkManageable } from './api-key-permissions';
import { ApiKeysRepository } from './api-keys.repository';
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

/** What the audit log shows of a key: never its secret or hash. */
const AUDITED: (keyof ApiKeyEntity & string)[] = [
  'name',
  'description',
  'status',
  'permissions',
  'expiresAt',
];

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly host: TransactionHost,
    private readonly audit: AuditService,
    private readonly repository: ApiKeysRepository,
  ) {}

  async create(ctx: RequestContext, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    checkGrantable(dto.permissions, ctx.tenantId, ctx.principal);
    const expiresAt = futureDate(dto.expiresAt);
    checkLifetime(expiresAt, ctx.principal);
    const secret = generateApiKey();
    const key = await this.host.run(async () => {
      const created = await this.repository.insert(ctx.tenantId, {
        id: secret.id,
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
      await this.audit.record(ctx, {
        type: AuditEventType.API_KEY_CREATED,
        details: {
          keyId: created.id,
          permissions: created.permissions,
          after: auditSummary(created, AUDITED),
        },
      });
      return created;
    });
    return { ...ApiKeyResponseDto.from(key), key: secret.key };
  }

  async list(ctx: RequestContext, query: ApiKeyListQueryDto): Promise<Page<ApiKeyResponseDto>> {
    const request = pageRequest(query);
    const [rows, total] = await this.repository.list(
      ctx.tenantId,
      query.status,
      query.sort,
      request,
    );
    return toPage(rows.map(ApiKeyResponseDto.from), total, request);
  }

  async get(ctx: RequestContext, keyId: string): Promise<ApiKeyResponseDto> {
    const key = await this.repository.find(ctx.tenantId, keyId);
    if (!key) throw notFound(keyId);
    return ApiKeyResponseDto.from(key);
  }

  async update(
    ctx: RequestContext,
    keyId: string,
    dto: UpdateApiKeyDto,
  ): Promise<ApiKeyResponseDto> {
    const expiresAt = dto.expiresAt === undefined ? undefined : futureDate(dto.expiresAt);
    const key = await this.host.run(async () => {
      const current = await this.repository.find(ctx.tenantId, keyId, { lock: true });
      if (!current) throw notFound(keyId);
      checkManageable(current, ctx.principal);
      checkNotArchived(current, dto);
      // what gives access (expiry, activation, permissions) is given only for as long as the
      // caller's own key lives: else a one-hour key could widen a key that never expires
      const activates =
        dto.status === ApiKeyStatus.ACTIVE && current.status !== ApiKeyStatus.ACTIVE;
      if (expiresAt !== undefined || activates || dto.permissions !== undefined)
        checkLifetime(expiresAt === undefined ? current.expiresAt : expiresAt, ctx.principal);
      if (dto.permissions) checkGrantable(dto.permissions, ctx.tenantId, ctx.principal);
      const before = auditSummary(current, AUDITED);
      const found = await this.repository.update(ctx.tenantId, current, {
        name: dto.name,
        description: dto.description,
        status: dto.status,
        permissions: dto.permissions === undefined ? undefined : [...new Set(dto.permissions)],
        expiresAt,
      });
      if (!found) throw notFound(keyId);
      await this.audit.record(ctx, {
        type: dto.status ? STATUS_EVENT[dto.status] : AuditEventType.API_KEY_UPDATED,
        details: { keyId, ...auditChanges(before, auditSummary(current, AUDITED)) },
      });
      return current;
    });
    return ApiKeyResponseDto.from(key);
  }

  async delete(ctx: RequestContext, keyId: string): Promise<void> {
    await this.host.run(async () => {
      const current = await this.repository.find(ctx.tenantId, keyId, { lock: true });
      if (!current) throw notFound(keyId);
      checkManageable(current, ctx.principal);
      await this.repository.delete(ctx.tenantId, keyId);
      await this.audit.record(ctx, {
        type: AuditEventType.API_KEY_DELETED,
        details: { keyId, before: auditSummary(current, AUDITED) },
      });
    });
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
