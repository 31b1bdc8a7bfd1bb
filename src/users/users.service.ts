import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { SignalsService } from '../signals/signals.service';
import { AuditEventType } from '../audit/audit-event-type';
import { auditChanges, auditSummary } from '../audit/audit-details';
import { AuditService } from '../audit/audit.service';
import { isUniqueViolation } from '../common/errors/db-errors';
import { pageRequest, toPage } from '../common/pagination/page';
import { cursorMode, toCursorPage } from '../common/pagination/cursor';
import { StoreEntity } from '../stores/store.entity';
import { StoresService } from '../stores/stores.service';
import {
  CreateUserDto,
  UpdateUserDto,
  UserListQueryDto,
  UserCursorPageDto,
  UserPageDto,
  UserResponseDto,
  UserWithSignalsDto,
  unreachableExternalId,
} from './dto/user.dto';
import { effectiveStatus, UserStatus } from '../stores/user-status';
import { maxUsersExceeded } from '../tenants/tenant-rules';
import { UserEntity } from './user.entity';
import { UserChanges, UserRef, UsersRepository } from './users.repository';

export type { UserRef };

const LOCKED_STATES = [UserStatus.LOCKED, UserStatus.TEMP_LOCKED];

/** What the audit log shows of a user: names, status, settings. */
const AUDITED: (keyof UserEntity & string)[] = [
  'externalId',
  'userName',
  'displayName',
  'status',
  'type',
  'locale',
  'timeZone',
];
/** Personal data: an update records that it changed, never the values. */
const PRIVATE: (keyof UserEntity & string)[] = ['firstName', 'lastName', 'email', 'attributes'];

@Injectable()
export class UsersService {
  constructor(
    private readonly host: TransactionHost,
    private readonly stores: StoresService,
    private readonly repository: UsersRepository,
    private readonly signals: SignalsService,
    private readonly audit: AuditService,
  ) {}

  /** The user in that store of the request's tenant, or USER_NOT_FOUND. */
  async find(ctx: RequestContext, store: StoreEntity, ref: UserRef): Promise<UserEntity> {
    const user = await this.repository.find(ctx.tenantId, store.id, ref);
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
      return this.insert(ctx, store, dto);
    });
    return UserResponseDto.from(user);
  }

  /**
   * Adds a user: the counters, the row and its audit event commit together, in the caller's
   * transaction when there is one (a registration start that creates its user). The tenant's user
   * counter moves only while below maxUsers (one atomic UPDATE), so the limit holds across
   * stores and instances.
   */
  insert(ctx: RequestContext, store: StoreEntity, dto: CreateUserDto): Promise<UserEntity> {
    return this.host.run(async () => {
      const user = await this.insertRow(store, dto);
      await this.audit.record(ctx, {
        type: AuditEventType.USER_CREATED,
        details: { userId: user.id, storeId: store.id, after: auditSummary(user, AUDITED) },
      });
      return user;
    });
  }

  private async insertRow(store: StoreEntity, dto: CreateUserDto): Promise<UserEntity> {
    assertReachable(dto.externalId);
    if (!(await this.repository.reserveUserSlot(store.tenantId, store.id))) {
      throw maxUsersExceeded(store.tenantId);
    }
    try {
      return await this.repository.insert(store.tenantId, store.id, {
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
    } catch (error) {
      throw isUniqueViolation(error) ? extIdNotUnique(dto.externalId) : error;
    }
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    query: UserListQueryDto,
  ): Promise<UserPageDto | UserCursorPageDto> {
    const store = await this.stores.find(ctx, storeName);
    if (cursorMode(query)) {
      const limit = query.limit ?? 20;
      const { rows, sort } = await this.repository.listAfter(
        ctx.tenantId,
        store.id,
        query,
        query,
        limit,
      );
      const now = Date.now();
      return toCursorPage(
        rows,
        limit,
        sort,
        (row) => ({ value: row.value, id: row.user.id }),
        (row) => UserResponseDto.from(row.user, now),
      );
    }
    const request = pageRequest(query);
    const { rows, total } = await this.repository.list(
      ctx.tenantId,
      store.id,
      query,
      query.sort,
      request,
    );
    const now = Date.now();
    return toPage(
      rows.map((u) => UserResponseDto.from(u, now)),
      total ?? store.userCount,
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
  ): Promise<UserWithSignalsDto> {
    const { user, signals } = await this.host.run(async () => {
      const store = await this.stores.find(ctx, storeName);
      const current = await this.repository.find(ctx.tenantId, store.id, ref, { lock: true });
      if (!current) throw userNotFound(ref);
      if (dto.externalId !== undefined) assertReachable(dto.externalId);
      const before = auditSummary(current, [...AUDITED, ...PRIVATE]);
      const effectiveBefore = effectiveStatus(current);
      const { status, ...fields } = dto;
      const changes = {
        ...fields,
        ...(status !== undefined ? statusChanges(current, status, store) : {}),
      };
      let found: boolean;
      try {
        found = await this.repository.update(ctx.tenantId, current, changes);
      } catch (error) {
        throw isUniqueViolation(error) ? extIdNotUnique(dto.externalId ?? '') : error;
      }
      if (!found) throw userNotFound(ref);
      const after = auditSummary(current, [...AUDITED, ...PRIVATE]);
      await this.audit.record(ctx, {
        type: AuditEventType.USER_UPDATED,
        details: { userId: current.id, ...auditChanges(before, after, PRIVATE) },
      });
      const lockEvent = lockTransition(effectiveBefore, current.status);
      if (lockEvent) {
        // who locked or lifted a lock, in the same transaction as the change
        await this.audit.record(ctx, {
          type: lockEvent,
          details: { userId: current.id, from: effectiveBefore, to: current.status },
        });
      }
      // a new name reaches the passkey managers through signalCurrentUserDetails
      const renamed =
        current.userName !== before.userName || current.displayName !== before.displayName;
      return {
        user: current,
        signals: renamed ? await this.signals.forUser(ctx.tenantId, current.id, current) : [],
      };
    });
    // without a rename the answer stays exactly what a read returns
    return { ...UserResponseDto.from(user), ...(signals.length > 0 ? { signals } : {}) };
  }

  /** Deletes the user; passkeys and open sessions go with it (foreign keys cascade). */
  async delete(ctx: RequestContext, storeName: string, ref: UserRef): Promise<void> {
    await this.host.run(async () => {
      const store = await this.stores.find(ctx, storeName);
      const deleted = await this.repository.delete(ctx.tenantId, store.id, ref);
      if (!deleted) throw userNotFound(ref);
      await this.repository.releaseUserSlot(ctx.tenantId, store.id);
      await this.audit.record(ctx, {
        type: AuditEventType.USER_DELETED,
        details: {
          userId: deleted.id,
          storeId: store.id,
          before: {
            externalId: deleted.externalId,
            userName: deleted.userName,
            status: deleted.status,
          },
        },
      });
    });
  }
}

/**
 * Setting a status by update; leaving a lock, or setting ACTIVE (as the route says), clears the
 * failure counters.
 */
function statusChanges(user: UserEntity, status: UserStatus, store: StoreEntity): UserChanges {
  const clears = leavesLock(user.status, status) || status === UserStatus.ACTIVE;
  return {
    ...(clears ? { failedAttempts: 0, lockCount: 0 } : {}),
    tempLockedUntil: status === UserStatus.TEMP_LOCKED ? tempLockEnd(store) : null,
    status,
  };
}

function leavesLock(from: UserStatus, to: UserStatus): boolean {
  return LOCKED_STATES.includes(from) && !LOCKED_STATES.includes(to);
}

/**
 * The lock event of a status change made by an administrator, if it is one, judged on the status
 * the user had in effect (a temp lock that has ended is ACTIVE: locking it again is a lock).
 * Leaving a lock is USER_UNLOCKED whatever the new status (`details.to` says which: DISABLED
 * still bars the user), so a lock is never lifted without its event (review).
 */
function lockTransition(from: UserStatus, to: UserStatus): AuditEventType | undefined {
  if (from === to) return undefined;
  if (to === UserStatus.LOCKED) return AuditEventType.USER_LOCKED;
  if (to === UserStatus.TEMP_LOCKED) return AuditEventType.USER_TEMP_LOCKED;
  return leavesLock(from, to) ? AuditEventType.USER_UNLOCKED : undefined;
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

function assertReachable(externalId: string): void {
  if (unreachableExternalId(externalId)) {
    throw DomainError.invalidField(
      'externalId',
      'must not be . or .. (URL clients remove such path segments: the /ext routes could not reach the user)',
    );
  }
}
