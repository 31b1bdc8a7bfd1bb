import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserStatus } from './user-status';
import {
  CreateStoreDto,
  DEFAULT_LOCK,
  StoreListQueryDto,
  StoreResponseDto,
  UpdateStoreDto,
} from './dto/store.dto';
import { StoreEntity } from './store.entity';

@Injectable()
export class StoresService {
  constructor(private readonly host: TransactionHost) {}

  private get stores(): Repository<StoreEntity> {
    return this.host.manager.getRepository(StoreEntity);
  }

  /** The store `name` of the request's tenant, or STORE_NOT_FOUND (also for other tenants' stores). */
  async find(ctx: RequestContext, name: string): Promise<StoreEntity> {
    const store = await this.stores.findOne({ where: { tenantId: ctx.tenantId, name } });
    if (!store) throw new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${name} does not exist`);
    return store;
  }

  async create(ctx: RequestContext, dto: CreateStoreDto): Promise<StoreResponseDto> {
    const store = await this.host.run(async () => {
      // The tenant row lock serialises store creation per tenant, so the limit holds under races.
      const tenant = await this.host.manager
        .getRepository(TenantEntity)
        .findOne({ where: { id: ctx.tenantId }, lock: { mode: 'pessimistic_write' } });
      const count = await this.stores.count({ where: { tenantId: ctx.tenantId } });
      if (tenant && count >= tenant.maxStores) {
        throw new DomainError(
          ErrorCode.MAX_STORES_EXCEEDED,
          `Tenant ${ctx.tenantId} already has its maximum of ${tenant.maxStores} stores`,
        );
      }
      const repo = this.stores;
      const entity = repo.create({
        tenantId: ctx.tenantId,
        name: dto.name,
        description: dto.description ?? null,
        defaultLocale: dto.defaultLocale ?? 'en-US',
        defaultTimeZone: dto.defaultTimeZone ?? 'UTC',
        defaultUserStatus: dto.defaultUserStatus ?? UserStatus.ACTIVE,
        ...DEFAULT_LOCK,
        ...dto.lockConfiguration,
        userCount: 0,
      });
      try {
        await repo.insert(entity);
      } catch (error) {
        throw isUniqueViolation(error) ? alreadyExists(dto.name) : error;
      }
      return entity;
    });
    return StoreResponseDto.from(store);
  }

  async list(ctx: RequestContext, query: StoreListQueryDto): Promise<Page<StoreResponseDto>> {
    const request = pageRequest(query);
    const sort = resolveSort(query.sort, { name: 's.name', createdAt: 's.created_at' }, [
      'name',
      'ASC',
    ]);
    const [rows, total] = await this.stores
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId: ctx.tenantId })
      .orderBy(sort.column, sort.direction)
      .addOrderBy('s.id', 'ASC')
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows.map(StoreResponseDto.from), total, request);
  }

  async get(ctx: RequestContext, name: string): Promise<StoreResponseDto> {
    return StoreResponseDto.from(await this.find(ctx, name));
  }

  async update(ctx: RequestContext, name: string, dto: UpdateStoreDto): Promise<StoreResponseDto> {
    const store = await this.find(ctx, name);
    const { lockConfiguration, ...fields } = dto;
    this.stores.merge(store, { ...fields, ...lockConfiguration });
    try {
      await this.stores.save(store);
    } catch (error) {
      throw isUniqueViolation(error) ? alreadyExists(dto.name ?? name) : error;
    }
    return StoreResponseDto.from(store);
  }

  /** Deletes the store and, by cascade, its users, passkeys, relying parties and sessions. */
  async delete(ctx: RequestContext, name: string): Promise<void> {
    await this.host.run(async () => {
      const removed = await this.host.manager.query(
        'DELETE FROM stores WHERE tenant_id = $1 AND name = $2 RETURNING user_count',
        [ctx.tenantId, name],
      );
      const rows = removed[0] as { user_count: number }[];
      if (rows.length === 0)
        throw new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${name} does not exist`);
      await this.host.manager.query(
        'UPDATE tenants SET user_count = user_count - $2 WHERE id = $1',
        [ctx.tenantId, rows[0].user_count],
      );
    });
  }
}

function alreadyExists(name: string): DomainError {
  return new DomainError(ErrorCode.STORE_ALREADY_EXISTS, `Store ${name} already exists`, {
    errors: [{ field: 'name', in: 'body', message: 'already exists in this tenant' }],
  });
}
