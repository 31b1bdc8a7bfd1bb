import { Injectable } from '@nestjs/common';
import { Brackets, Repository } from 'typeorm';
import { changedFields } from '../database/changes';
import { keysetPage } from '../database/keyset';
import { TransactionHost } from '../database/transaction-host';
import { PageRequest } from '../common/pagination/page';
import { decodeCursor } from '../common/pagination/cursor';
import { resolveKeysetSort, resolveSort } from '../common/pagination/sort';
import type { UserListQueryDto } from './dto/user.dto';
import { UserEntity } from './user.entity';
import { UserStatus } from '../stores/user-status';

/** A user addressed by internal id or by external id. */
export type UserRef = { id: string } | { externalId: string };

/** What a new user is made of (tenant and store come first, as their own arguments). */
export type NewUser = Omit<
  UserEntity,
  'id' | 'tenantId' | 'storeId' | 'store' | 'createdAt' | 'updatedAt'
>;

/** The fields an update may change. */
export type UserChanges = Partial<Omit<NewUser, 'lastAuthenticatedAt'>>;

/** The list's filters. */
export type UserFilter = Pick<UserListQueryDto, 'externalId' | 'status' | 'userName' | 'q'>;

/** Matches the index ix_users_store_user_name_lower: case-insensitive, code-point order. */
export const USER_NAME_KEY = 'lower(u.user_name) COLLATE "C"';

/** The sorts a keyset page of users can resume (the columns of the numbered pages' sorts). */
const USER_KEYSET_SORTS = {
  createdAt: { column: 'u.created_at', cast: 'timestamptz' },
  userName: { column: USER_NAME_KEY, cast: 'text' },
  externalId: { column: 'u.external_id', cast: 'varchar' },
};

/**
 * The SQL of users and of the user counters (the store's and the tenant's, moved in the same
 * transactions that add and remove users). Every statement is scoped by the tenant.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly host: TransactionHost) {}

  private get users(): Repository<UserEntity> {
    return this.host.manager.getRepository(UserEntity);
  }

  /** The user, optionally locked for update until the transaction ends. */
  find(
    tenantId: string,
    storeId: string,
    ref: UserRef,
    options: { lock?: boolean } = {},
  ): Promise<UserEntity | null> {
    return this.users.findOne({
      where: { tenantId, storeId, ...ref },
      ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /**
   * Counts one more user: the store's counter, then the tenant's, which moves only while below
   * max_users (one atomic UPDATE, so the limit holds across stores and instances). False when the
   * tenant is full: the caller's transaction then rolls the store's back. The store's row first,
   * as a deletion takes it (the user's, the store's, then the tenant's row): a creation and a
   * deletion in one store never wait on each other's rows in opposite orders, and the tenant's
   * row, which every creation of the tenant needs, is held only from the end of each.
   */
  async reserveUserSlot(tenantId: string, storeId: string): Promise<boolean> {
    await this.host.manager.query(
      'UPDATE stores SET user_count = user_count + 1 WHERE tenant_id = $1 AND id = $2',
      [tenantId, storeId],
    );
    const [, allowed] = (await this.host.manager.query(
      'UPDATE tenants SET user_count = user_count + 1 WHERE id = $1 AND user_count < max_users',
      [tenantId],
    )) as [unknown, number];
    return allowed === 1;
  }

  /** Counts one user less, in the store and then in the tenant (the order of a reservation). */
  async releaseUserSlot(tenantId: string, storeId: string): Promise<void> {
    await this.host.manager.query(
      'UPDATE stores SET user_count = user_count - 1 WHERE tenant_id = $1 AND id = $2',
      [tenantId, storeId],
    );
    await this.host.manager.query('UPDATE tenants SET user_count = user_count - 1 WHERE id = $1', [
      tenantId,
    ]);
  }

  /** Inserts the user; a taken external id throws the database's unique violation. */
  async insert(tenantId: string, storeId: string, values: NewUser): Promise<UserEntity> {
    const user = this.users.create({ ...values, tenantId, storeId });
    await this.users.insert(user);
    return user;
  }

  /**
   * A page of the store's users. `total` is counted only when a filter applies (undefined
   * otherwise: the store's counter has it, no count(*) over a million rows per page).
   */
  async list(
    tenantId: string,
    storeId: string,
    filter: UserFilter,
    sort: string | undefined,
    page: PageRequest,
  ): Promise<{ rows: UserEntity[]; total: number | undefined }> {
    const order = resolveSort(
      sort,
      { createdAt: 'u.created_at', userName: USER_NAME_KEY, externalId: 'u.external_id' },
      ['createdAt', 'DESC'],
    );
    const { qb, filtered } = this.filtered(tenantId, storeId, filter);
    const rows = await qb
      .orderBy(order.column, order.direction)
      .addOrderBy('u.id', order.direction)
      .offset(page.offset)
      .limit(page.size)
      .getMany();
    return { rows, total: filtered ? await qb.getCount() : undefined };
  }

  /**
   * A keyset page: the users after `cursor` in `sort` order (`limit` + 1 of them, so the caller
   * knows whether more follow), each with its sort value as text for the next cursor.
   */
  async listAfter(
    tenantId: string,
    storeId: string,
    filter: UserFilter,
    page: { sort?: string; after?: string },
    limit: number,
  ): Promise<{ rows: { user: UserEntity; value: string }[]; sort: string }> {
    const sort = resolveKeysetSort(page.sort, USER_KEYSET_SORTS, ['createdAt', 'DESC']);
    const cursor = decodeCursor(page.after, sort.name);
    const { qb } = this.filtered(tenantId, storeId, filter);
    const rows = await keysetPage(qb, 'u', sort, cursor, limit);
    return { rows: rows.map(({ entity, value }) => ({ user: entity, value })), sort: sort.name };
  }

  /** The store's users narrowed by the list's filters. */
  private filtered(tenantId: string, storeId: string, filter: UserFilter) {
    const qb = this.users
      .createQueryBuilder('u')
      .where('u.store_id = :storeId', { storeId })
      .andWhere('u.tenant_id = :tenantId', { tenantId });
    const filtered = Boolean(filter.externalId || filter.status || filter.userName || filter.q);
    if (filter.externalId)
      qb.andWhere('u.external_id = :externalId', { externalId: filter.externalId });
    // the status as answers show it: a temp lock that has ended is ACTIVE (effectiveStatus)
    if (filter.status === UserStatus.ACTIVE) {
      qb.andWhere(
        `(u.status = 'ACTIVE' OR (u.status = 'TEMP_LOCKED' AND u.temp_locked_until <= now()))`,
      );
    } else if (filter.status === UserStatus.TEMP_LOCKED) {
      qb.andWhere(
        `u.status = 'TEMP_LOCKED' AND (u.temp_locked_until IS NULL OR u.temp_locked_until > now())`,
      );
    } else if (filter.status) {
      qb.andWhere('u.status = :status', { status: filter.status });
    }
    if (filter.userName)
      qb.andWhere(`${USER_NAME_KEY} = lower(:userName)`, { userName: filter.userName });
    if (filter.q) {
      // A prefix as a range, besides the LIKE: statements run with generic plans
      // (plan_cache_mode), where `LIKE $1` cannot use an index but `>= $1 AND < $2` can.
      // lowered by PostgreSQL, as the columns are: JavaScript's special casing differs (İ, final
      // σ), and such names were not found by their own spelling (review)
      const range = { from: filter.q, below: `${filter.q}\u{10FFFF}` };
      const like = `${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        new Brackets((or) =>
          or
            .where(
              `(${USER_NAME_KEY} >= lower(:from) AND ${USER_NAME_KEY} < lower(:below) AND ${USER_NAME_KEY} LIKE lower(:like))`,
              { ...range, like },
            )
            .orWhere(
              '(lower(u.display_name) ~>=~ lower(:from) AND lower(u.display_name) ~<~ lower(:below) AND lower(u.display_name) LIKE lower(:like))',
            )
            .orWhere(
              '(lower(u.email) ~>=~ lower(:from) AND lower(u.email) ~<~ lower(:below) AND lower(u.email) LIKE lower(:like))',
            )
            .orWhere('u.external_id = :q', { q: filter.q }),
        ),
      );
    }
    return { qb, filtered };
  }

  /**
   * Writes the fields that change and applies them (and the new updatedAt) to `user`; false when
   * the user is gone. An external id taken in the store throws the database's unique violation.
   */
  async update(tenantId: string, user: UserEntity, changes: UserChanges): Promise<boolean> {
    const changed = changedFields<UserEntity>(user, changes);
    if (Object.keys(changed).length === 0) return true;
    const result = await this.users
      .createQueryBuilder()
      .update()
      .set(changed)
      .where('tenant_id = :tenantId AND store_id = :storeId AND id = :id', {
        tenantId,
        storeId: user.storeId,
        id: user.id,
      })
      .returning(['updatedAt'])
      .execute();
    const [row] = result.raw as { updated_at: Date }[];
    if (!row) return false;
    Object.assign(user, changed, { updatedAt: row.updated_at });
    return true;
  }

  /**
   * Deletes the user (passkeys and open sessions go by cascade); what it was, for the audit log,
   * or undefined when there was none.
   */
  async delete(
    tenantId: string,
    storeId: string,
    ref: UserRef,
  ): Promise<Pick<UserEntity, 'id' | 'externalId' | 'userName' | 'status'> | undefined> {
    const result = await this.users
      .createQueryBuilder()
      .delete()
      .where('tenant_id = :tenantId AND store_id = :storeId', { tenantId, storeId })
      .andWhere('id' in ref ? 'id = :id' : 'external_id = :externalId', ref)
      .returning(['id', 'externalId', 'userName', 'status'])
      .execute();
    const [row] = result.raw as {
      id: string;
      external_id: string;
      user_name: string;
      status: UserEntity['status'];
    }[];
    return row
      ? { id: row.id, externalId: row.external_id, userName: row.user_name, status: row.status }
      : undefined;
  }
}
