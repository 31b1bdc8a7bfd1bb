import { Injectable } from '@nestjs/common';
import { Brackets, Repository } from 'typeorm';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { StoreEntity } from '../stores/store.entity';
import { StoresService } from '../stores/stores.service';
import {
  CreateUserDto,
  UpdateUserDto,
  UserListQueryDto,
  UserPageDto,
  UserResponseDto,
} from './dto/user.dto';
import { UserEntity } from './user.entity';
import { UserStatus } from '../stores/user-status';

/** A user addressed by internal id or by external id. */
export type UserRef = { id: string } | { externalId: string };

const LOCKED_STATES = [UserStatus.LOCKED, UserStatus.TEMP_LOCKED];
/** Matches the index ix_users_store_user_name_lower: case-insensitive, code-point order. */
const USER_NAME_KEY = 'lower(u.user_name) COLLATE "C"';

@Injectable()
export class UsersService {
  constructor(
    private readonly host: TransactionHost,
    private readonly stores: StoresService,
  ) {}

  private get users(): Repository<UserEntity> {
    return this.host.manager.getRepository(UserEntity);
  }

  /** The user in that store of the request's tenant, or USER_NOT_FOUND. */
  async find(ctx: RequestContext, store: StoreEntity, ref: UserRef): Promise<UserEntity> {
    const user = await this.users.findOne({
      where: { tenantId: ctx.tenantId, storeId: store.id, ...ref },
    });
    if (!user) throw userNotFound(ref);
    return user;
  }

  async create(
    ctx: RequestContext,
    storeName: string,
    dto: CreateUserDto,
  ): Promise<UserResponseDto> {
    const user = await this.host.run(async () => {
      const store = await this.stores.find(ctx, storeName);
      return this.insert(store, dto);
    });
    return UserResponseDto.from(user);
  }

  /**
   * Adds a user: the counters and the row commit together, in the caller's transaction when there
   * is one. The tenant's user counter moves only while below maxUsers (one atomic UPDATE), so the
   * limit holds across stores and instances.
   */
  insert(store: StoreEntity, dto: CreateUserDto): Promise<UserEntity> {
    return this.host.run(() => this.insertRow(store, dto));
  }

  private async insertRow(store: StoreEntity, dto: CreateUserDto): Promise<UserEntity> {
    const manager = this.host.manager;
    const [, allowed] = await manager.query(
      'UPDATE tenants SET user_count = user_count + 1 WHERE id = $1 AND user_count < max_users',
      [store.tenantId],
    );
    if (allowed !== 1) {
      throw new DomainError(
        ErrorCode.MAX_USERS_EXCEEDED,
        `Tenant ${store.tenantId} has reached its maximum number of users`,
      );
    }
    await manager.query('UPDATE stores SET user_count = user_count + 1 WHERE id = $1', [store.id]);
    const repo = manager.getRepository(UserEntity);
    const user = repo.create({
      tenantId: store.tenantId,
      storeId: store.id,
      externalId: dto.externalId,
      userName: dto.userName,
      displayName: dto.displayName ?? dto.userName,
      status: dto.status ?? store.defaultUserStatus,
      type: dto.type ?? 'USER',
      locale: dto.locale ?? store.defaultLocale,
      timeZone: dto.timeZone ?? store.defaultTimeZone,
      firstName: dto.firstName ?? null,
      lastName: dto.lastName ?? null,
      email: dto.email ?? null,
      attributes: dto.attributes ?? {},
      failedAttempts: 0,
      lockCount: 0,
      tempLockedUntil: dto.status === UserStatus.TEMP_LOCKED ? tempLockEnd(store) : null,
      lastAuthenticatedAt: null,
    });
    try {
      await repo.insert(user);
    } catch (error) {
      throw isUniqueViolation(error) ? extIdNotUnique(dto.externalId) : error;
    }
    return user;
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    query: UserListQueryDto,
  ): Promise<UserPageDto> {
    const store = await this.stores.find(ctx, storeName);
    const request = pageRequest(query);
    const sort = resolveSort(
      query.sort,
      { createdAt: 'u.created_at', userName: USER_NAME_KEY, externalId: 'u.external_id' },
      ['createdAt', 'DESC'],
    );
    const qb = this.users
      .createQueryBuilder('u')
      .where('u.store_id = :storeId', { storeId: store.id })
      .andWhere('u.tenant_id = :tenantId', { tenantId: ctx.tenantId });
    const filtered = Boolean(query.externalId || query.status || query.userName || query.q);
    if (query.externalId)
      qb.andWhere('u.external_id = :externalId', { externalId: query.externalId });
    if (query.status) qb.andWhere('u.status = :status', { status: query.status });
    if (query.userName)
      qb.andWhere(`${USER_NAME_KEY} = lower(:userName)`, { userName: query.userName });
    if (query.q) {
      const prefix = `${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        new Brackets((or) =>
          or
            .where(`${USER_NAME_KEY} LIKE :prefix`, { prefix })
            .orWhere('lower(u.display_name) LIKE :prefix')
            .orWhere('lower(u.email) LIKE :prefix')
            .orWhere('u.external_id = :q', { q: query.q }),
        ),
      );
    }
    const rows = await qb
      .orderBy(sort.column, sort.direction)
      .addOrderBy('u.id', sort.direction)
      .offset(request.offset)
      .limit(request.size)
      .getMany();
    // Unfiltered totals come from the store's counter: no count(*) over a million rows per page.
    const total = filtered ? await qb.getCount() : store.userCount;
    const now = Date.now();
    return toPage(
      rows.map((u) => UserResponseDto.from(u, now)),
      total,
      request,
    );
  }

  async get(ctx: RequestContext, storeName: string, ref: UserRef): Promise<UserResponseDto> {
    const store = await this.stores.find(ctx, storeName);
    return UserResponseDto.from(await this.find(ctx, store, ref));
  }

  async update(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
    dto: UpdateUserDto,
  ): Promise<UserResponseDto> {
    const user = await this.host.run(async () => {
      const store = await this.stores.find(ctx, storeName);
      const repo = this.users;
      const current = await repo.findOne({
        where: { tenantId: ctx.tenantId, storeId: store.id, ...ref },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw userNotFound(ref);
      const { status, ...fields } = dto;
      repo.merge(current, fields);
      if (status !== undefined) applyStatus(current, status, store);
      try {
        return await repo.save(current);
      } catch (error) {
        throw isUniqueViolation(error) ? extIdNotUnique(dto.externalId ?? '') : error;
      }
    });
    return UserResponseDto.from(user);
  }

  /** Deletes the user; passkeys and open sessions go with it (foreign keys cascade). */
  async delete(ctx: RequestContext, storeName: string, ref: UserRef): Promise<void> {
    await this.host.run(async () => {
      const store = await this.stores.find(ctx, storeName);
      const manager = this.host.manager;
      const result = await this.users.delete({ tenantId: ctx.tenantId, storeId: store.id, ...ref });
      if (!result.affected) throw userNotFound(ref);
      await manager.query('UPDATE stores SET user_count = user_count - 1 WHERE id = $1', [
        store.id,
      ]);
      await manager.query('UPDATE tenants SET user_count = user_count - 1 WHERE id = $1', [
        store.tenantId,
      ]);
    });
  }
}

/** Setting a status by update; leaving a lock clears the failure counters. */
function applyStatus(user: UserEntity, status: UserStatus, store: StoreEntity): void {
  if (LOCKED_STATES.includes(user.status) && !LOCKED_STATES.includes(status)) {
    user.failedAttempts = 0;
    user.lockCount = 0;
  }
  user.tempLockedUntil = status === UserStatus.TEMP_LOCKED ? tempLockEnd(store) : null;
  user.status = status;
}

function tempLockEnd(store: StoreEntity): Date {
  return new Date(Date.now() + store.tempLockSeconds * 1000);
}

export function userNotFound(ref: UserRef): DomainError {
  const what = 'id' in ref ? `id ${ref.id}` : `external id ${ref.externalId}`;
  return new DomainError(ErrorCode.USER_NOT_FOUND, `No user with ${what} in this store`);
}

function extIdNotUnique(externalId: string): DomainError {
  return new DomainError(
    ErrorCode.EXT_ID_NOT_UNIQUE,
    `A user with external id ${externalId} already exists in this store`,
    {
      errors: [{ field: 'externalId', in: 'body', message: 'already used in this store' }],
    },
  );
}
