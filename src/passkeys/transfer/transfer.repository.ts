import { Injectable } from '@nestjs/common';
import { keysetPage } from '../../database/keyset';
import { TransactionHost } from '../../database/transaction-host';
import type { Cursor } from '../../common/pagination/cursor';
import type { KeysetSort } from '../../common/pagination/sort';
import { UserEntity } from '../../users/user.entity';
import { UserStatus } from '../../stores/user-status';
import { PasskeyStatus } from '../credentials/passkey.entity';
import type { RawRow } from '../sessions/rows';
import type { CheckedUser } from './import-batch';
import type { NewHandleRow, NewPasskeyRow, NewUserRow, StoreState } from './import-plan';

/** Imported passkeys have no attestation to verify: this format says where they came from. */
export const IMPORTED_ATTESTATION_FORMAT = 'imported';

/** Users of an export, oldest first (the index ix_users_store_created serves it). */
export const EXPORT_SORT: KeysetSort = {
  name: 'createdAt,asc',
  column: 'u.created_at',
  cast: 'timestamptz',
  direction: 'ASC',
};

/** A passkey as exported, with its relying party's rpId and the user's handle there. */
export interface ExportedPasskeyRow {
  userId: string;
  rpId: string;
  credentialId: string;
  publicKey: Buffer;
  algorithm: number;
  signCounter: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean | null;
  backedUp: boolean;
  userHandle: string | null;
  displayName: string;
  status: PasskeyStatus;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What the rows of a new user take from their store. */
export interface UserDefaults {
  status: UserStatus;
  locale: string;
  timeZone: string;
}

/**
 * The SQL of credential import and export: reads of what a batch touches (in the import's
 * transaction, the users it names locked) and bulk writes of the plan, one statement per table.
 * Every statement is scoped by the tenant.
 */
@Injectable()
export class TransferRepository {
  constructor(private readonly host: TransactionHost) {}

  private query<T = RawRow[]>(sql: string, values: unknown[]): Promise<T> {
    return this.host.manager.query(sql, values) as Promise<T>;
  }

  /** The tenant's maxPasskeysPerUser. */
  async maxPasskeysPerUser(tenantId: string): Promise<number> {
    const [row] = await this.query('SELECT max_passkeys_per_user FROM tenants WHERE id = $1', [
      tenantId,
    ]);
    return row.max_passkeys_per_user;
  }

  /** rpId → row id of the store's relying parties among `rpIds`. */
  async relyingParties(
    tenantId: string,
    storeId: string,
    rpIds: string[],
  ): Promise<Map<string, string>> {
    const rows = await this.query(
      `SELECT id, rp_id FROM relying_parties
        WHERE tenant_id = $1 AND store_id = $2 AND rp_id = ANY($3::text[])`,
      [tenantId, storeId, rpIds],
    );
    return new Map(rows.map((r) => [r.rp_id, r.id]));
  }

  /**
   * What the store holds that the batch touches. The users it names are locked first (in id
   * order, so two imports cannot deadlock on them), then their passkeys are counted: a
   * registration adds a passkey only holding its user's row, so the counts stay exact.
   */
  async state(
    tenantId: string,
    storeId: string,
    users: CheckedUser[],
    relyingParties: Map<string, string>,
  ): Promise<Omit<StoreState, 'maxPasskeysPerUser'>> {
    const found = await this.query(
      `SELECT id, external_id FROM users
        WHERE tenant_id = $1 AND store_id = $2 AND external_id = ANY($3::text[])
        ORDER BY id FOR UPDATE`,
      [tenantId, storeId, users.map((u) => u.externalId)],
    );
    const ids = found.map((r) => r.id as string);
    const counts = await this.query(
      `SELECT user_id, count(*)::int AS n FROM passkeys
        WHERE tenant_id = $1 AND user_id = ANY($2::uuid[]) GROUP BY user_id`,
      [tenantId, ids],
    );
    const countOf = new Map(counts.map((r) => [r.user_id, r.n as number]));
    const rows = users.flatMap((u) => u.passkeys);
    const rpOf = (rpId: string) => relyingParties.get(rpId) as string;
    const passkeys = await this.query(
      `SELECT k.id, k.user_id, k.relying_party_id, k.credential_id, k.public_key
         FROM passkeys k
         JOIN unnest($2::uuid[], $3::text[]) AS x(rp, credential_id)
           ON k.relying_party_id = x.rp AND k.credential_id = x.credential_id
        WHERE k.tenant_id = $1`,
      [tenantId, rows.map((k) => rpOf(k.rpId)), rows.map((k) => k.credentialId)],
    );
    const handles = await this.query(
      `SELECT h.user_id, h.relying_party_id, h.handle
         FROM user_handles h
        WHERE h.tenant_id = $1 AND h.user_id = ANY($2::uuid[])`,
      [tenantId, ids],
    );
    const owners = await this.query(
      `SELECT h.user_id, h.relying_party_id, h.handle
         FROM user_handles h
         JOIN unnest($2::uuid[], $3::text[]) AS x(rp, handle)
           ON h.relying_party_id = x.rp AND h.handle = x.handle
        WHERE h.tenant_id = $1`,
      [tenantId, rows.map((k) => rpOf(k.rpId)), rows.map((k) => k.userHandle)],
    );
    return {
      relyingParties,
      users: new Map(
        found.map((r) => [r.external_id, { id: r.id, passkeyCount: countOf.get(r.id) ?? 0 }]),
      ),
      passkeys: new Map(
        passkeys.map((r) => [
          `${r.relying_party_id} ${r.credential_id}`,
          { id: r.id, userId: r.user_id, publicKey: r.public_key },
        ]),
      ),
      handles: new Map(handles.map((r) => [`${r.user_id} ${r.relying_party_id}`, r.handle])),
      handleOwners: new Map(owners.map((r) => [`${r.relying_party_id} ${r.handle}`, r.user_id])),
    };
  }

  /** How many more users the tenant may have now (a dry run's answer; the write reserves). */
  async userSlotsLeft(tenantId: string): Promise<number> {
    const [row] = await this.query(
      'SELECT max_users - user_count AS n FROM tenants WHERE id = $1',
      [tenantId],
    );
    return Number(row.n);
  }

  /**
   * Counts `n` more users in the store and the tenant, only while the tenant stays within
   * max_users (one atomic UPDATE). False when they do not fit (the caller throws: its
   * transaction rolls the store's count back).
   */
  async reserveUserSlots(tenantId: string, storeId: string, n: number): Promise<boolean> {
    // the store's row, then the tenant's, as every reservation and deletion takes them
    // (UsersRepository.reserveUserSlot); false: the caller's transaction rolls the store's back
    await this.query(
      'UPDATE stores SET user_count = user_count + $3 WHERE tenant_id = $1 AND id = $2',
      [tenantId, storeId, n],
    );
    const [, allowed] = await this.query<[unknown, number]>(
      'UPDATE tenants SET user_count = user_count + $2 WHERE id = $1 AND user_count + $2 <= max_users',
      [tenantId, n],
    );
    return allowed === 1;
  }

  async insertUsers(
    tenantId: string,
    storeId: string,
    defaults: UserDefaults,
    users: NewUserRow[],
  ): Promise<void> {
    await this.query(
      `INSERT INTO users (id, tenant_id, store_id, external_id, user_name, display_name, status, type,
                          locale, time_zone)
       SELECT x.id, $1, $2, x.external_id, x.user_name, x.display_name, $3, 'USER', $4, $5
         FROM jsonb_to_recordset($6::jsonb)
           AS x(id uuid, external_id text, user_name text, display_name text)`,
      [
        tenantId,
        storeId,
        defaults.status,
        defaults.locale,
        defaults.timeZone,
        JSON.stringify(
          users.map((u) => ({
            id: u.id,
            external_id: u.externalId,
            user_name: u.userName,
            display_name: u.displayName,
          })),
        ),
      ],
    );
  }

  /** The handles of the plan; their users are this tenant's (locked or just inserted). */
  async insertHandles(tenantId: string, handles: NewHandleRow[]): Promise<void> {
    await this.query(
      `INSERT INTO user_handles (tenant_id, user_id, relying_party_id, handle)
       SELECT $1, x."userId", x."relyingPartyId", x.handle
         FROM jsonb_to_recordset($2::jsonb) AS x("userId" uuid, "relyingPartyId" uuid, handle text)`,
      [tenantId, JSON.stringify(handles)],
    );
  }

  async insertPasskeys(
    tenantId: string,
    storeId: string,
    passkeys: NewPasskeyRow[],
  ): Promise<void> {
    const rows = passkeys.map((k) => ({
      id: k.id,
      rp: k.relyingPartyId,
      user_id: k.userId,
      credential_id: k.credentialId,
      public_key: k.publicKey.toString('hex'),
      algorithm: k.algorithm,
      sign_counter: k.signCounter,
      aaguid: k.aaguid,
      transports: k.transports,
      backup_eligible: k.backupEligible,
      backed_up: k.backedUp,
      display_name: k.displayName,
      status: k.status,
      created_at: k.createdAt?.toISOString() ?? null,
      last_used_at: k.lastUsedAt?.toISOString() ?? null,
    }));
    await this.query(
      `INSERT INTO passkeys (id, tenant_id, store_id, relying_party_id, user_id, credential_id, public_key,
                             algorithm, sign_counter, aaguid, transports, backup_eligible, backed_up,
                             attestation_format, attestation_verified, attestation_trusted, display_name,
                             status, last_used_at, created_at)
       SELECT x.id, $1, $2, x.rp, x.user_id, x.credential_id, decode(x.public_key, 'hex'), x.algorithm,
              x.sign_counter, x.aaguid, x.transports, x.backup_eligible, x.backed_up, $3, false, false,
              x.display_name, x.status, x.last_used_at, coalesce(x.created_at, now())
         FROM jsonb_to_recordset($4::jsonb) AS x(
              id uuid, rp uuid, user_id uuid, credential_id text, public_key text, algorithm int,
              sign_counter bigint, aaguid uuid, transports text[], backup_eligible boolean,
              backed_up boolean, display_name text, status text, created_at timestamptz,
              last_used_at timestamptz)`,
      [tenantId, storeId, IMPORTED_ATTESTATION_FORMAT, JSON.stringify(rows)],
    );
  }

  /** Touches the users who got passkeys, as every registration does (its compare-and-set sees it). */
  async touchUsers(tenantId: string, userIds: string[]): Promise<void> {
    await this.query(
      'UPDATE users SET updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[])',
      [tenantId, userIds],
    );
  }

  /** A keyset page of the store's users, oldest first (`limit` + 1, so more can be told). */
  async usersAfter(
    tenantId: string,
    storeId: string,
    cursor: Cursor | undefined,
    limit: number,
  ): Promise<{ user: UserEntity; value: string }[]> {
    const qb = this.host.manager
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('u.store_id = :storeId', { storeId })
      .andWhere('u.tenant_id = :tenantId', { tenantId });
    const rows = await keysetPage(qb, 'u', EXPORT_SORT, cursor, limit);
    return rows.map(({ entity, value }) => ({ user: entity, value }));
  }

  /** The passkeys of these users, each with its rpId and the user's handle there. */
  async passkeysOf(tenantId: string, userIds: string[]): Promise<ExportedPasskeyRow[]> {
    const rows = await this.query(
      `SELECT k.user_id, r.rp_id, k.credential_id, k.public_key, k.algorithm, k.sign_counter, k.transports,
              k.aaguid, k.backup_eligible, k.backed_up, h.handle, k.display_name, k.status,
              k.created_at, k.last_used_at
         FROM passkeys k
         JOIN relying_parties r ON r.tenant_id = $1 AND r.id = k.relying_party_id
         LEFT JOIN user_handles h
           ON h.tenant_id = $1 AND h.user_id = k.user_id AND h.relying_party_id = k.relying_party_id
        WHERE k.tenant_id = $1 AND k.user_id = ANY($2::uuid[])
        ORDER BY k.created_at, k.id`,
      [tenantId, userIds],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      rpId: r.rp_id,
      credentialId: r.credential_id,
      publicKey: r.public_key,
      algorithm: r.algorithm,
      signCounter: Number(r.sign_counter),
      transports: r.transports,
      aaguid: r.aaguid,
      backupEligible: r.backup_eligible,
      backedUp: r.backed_up,
      userHandle: r.handle,
      displayName: r.display_name,
      status: r.status,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }
}
