import { Injectable } from '@nestjs/common';
import { isUniqueViolation } from '../common/errors/db-errors';
import { TransactionHost } from '../database/transaction-host';
import { PassageAppEntity } from './passage-app.entity';

/** A Passage app with the names of what it points at. */
export interface PassageApp {
  appId: string;
  tenantId: string;
  name: string;
  storeId: string;
  storeName: string;
  relyingPartyId: string;
  rpId: string;
  origins: string[];
  registrationPolicy: string;
  authenticationPolicy: string;
  createdAt: Date;
}

/** A user as Passage's user routes show it, with its passkeys at the app's relying party. */
export interface PassageUserRow {
  id: string;
  externalId: string;
  email: string | null;
  status: string;
  /** With `status`: a temp lock that has ended shows as active (effectiveStatus). */
  tempLockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  loginCount: number;
  /** Passkeys at the app's relying party that are not revoked. */
  passkeyCount: number;
}

export interface PassageDeviceRow {
  id: string;
  credentialId: string;
  displayName: string;
  aaguid: string;
  backupEligible: boolean | null;
  transports: string[];
  useCount: number;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const APP_COLUMNS = `a.app_id, a.tenant_id, a.name, a.store_id, s.name AS store_name,
  a.relying_party_id, rp.rp_id, rp.origins, a.registration_policy, a.authentication_policy, a.created_at`;
const APP_FROM = `passage_apps a JOIN stores s ON s.tenant_id = a.tenant_id AND s.id = a.store_id
  JOIN relying_parties rp ON rp.tenant_id = a.tenant_id AND rp.id = a.relying_party_id`;

type Row = Record<string, unknown>;

function toApp(row: Row): PassageApp {
  return {
    appId: row.app_id as string,
    tenantId: row.tenant_id as string,
    name: row.name as string,
    storeId: row.store_id as string,
    storeName: row.store_name as string,
    relyingPartyId: row.relying_party_id as string,
    rpId: row.rp_id as string,
    origins: row.origins as string[],
    registrationPolicy: row.registration_policy as string,
    authenticationPolicy: row.authentication_policy as string,
    createdAt: row.created_at as Date,
  };
}

/** Login figures of a user at one relying party: from its passkeys there. */
const USER_COLUMNS = `u.id, u.external_id, u.email, u.status, u.temp_locked_until, u.created_at, u.updated_at,
  (SELECT max(p.last_used_at) FROM passkeys p
    WHERE p.tenant_id = u.tenant_id AND p.user_id = u.id AND p.relying_party_id = $3) AS last_login_at,
  (SELECT coalesce(sum(p.use_count), 0)::int FROM passkeys p
    WHERE p.tenant_id = u.tenant_id AND p.user_id = u.id AND p.relying_party_id = $3) AS login_count,
  (SELECT count(*)::int FROM passkeys p
    WHERE p.tenant_id = u.tenant_id AND p.user_id = u.id AND p.relying_party_id = $3
      AND p.status <> 'REVOKED') AS passkey_count`;

function toUser(row: Row): PassageUserRow {
  return {
    id: row.id as string,
    externalId: row.external_id as string,
    email: row.email as string | null,
    status: row.status as string,
    tempLockedUntil: row.temp_locked_until as Date | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    lastLoginAt: row.last_login_at as Date | null,
    loginCount: row.login_count as number,
    passkeyCount: row.passkey_count as number,
  };
}

/**
 * The SQL of Passage apps and of the Passage-shaped user reads. Apps are found by id alone only
 * for the keyless browser routes (the app id is public, like Passage's); everything else is
 * tenant first.
 */
@Injectable()
export class PassageRepository {
  constructor(private readonly host: TransactionHost) {}

  private async query(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.host.manager.query(sql, params)) as Row[];
  }

  /** The browser routes' lookup: by the public app id, in any tenant. */
  async appById(appId: string): Promise<PassageApp | undefined> {
    const [row] = await this.query(`SELECT ${APP_COLUMNS} FROM ${APP_FROM} WHERE a.app_id = $1`, [
      appId,
    ]);
    return row && toApp(row);
  }

  async appInTenant(tenantId: string, appId: string): Promise<PassageApp | undefined> {
    const [row] = await this.query(
      `SELECT ${APP_COLUMNS} FROM ${APP_FROM} WHERE a.tenant_id = $1 AND a.app_id = $2`,
      [tenantId, appId],
    );
    return row && toApp(row);
  }

  async appsOf(
    tenantId: string,
    relyingPartyId: string,
    page: { limit: number; offset: number },
  ): Promise<{ apps: PassageApp[]; total: number }> {
    const rows = await this.query(
      `SELECT ${APP_COLUMNS} FROM ${APP_FROM} WHERE a.tenant_id = $1 AND a.relying_party_id = $2
        ORDER BY a.created_at, a.app_id LIMIT $3 OFFSET $4`,
      [tenantId, relyingPartyId, page.limit, page.offset],
    );
    const [count] = await this.query(
      'SELECT count(*)::int AS total FROM passage_apps WHERE tenant_id = $1 AND relying_party_id = $2',
      [tenantId, relyingPartyId],
    );
    return { apps: rows.map(toApp), total: count.total as number };
  }

  /** false: the app id is taken (by any tenant: app ids are global). */
  /**
   * Inserts the app, in the caller's transaction, holding its relying party's row (KEY SHARE)
   * until the commit: a reference table has no foreign key into a tenant's tables, so this lock
   * stands in for one. A concurrent delete of the relying party (or of its store, by cascade)
   * waits for the commit and then deletes the app (RelyingPartiesRepository.delete); a delete
   * that came first leaves no row to hold (`no-relying-party`). `taken`: the app id is in use.
   */
  async insert(
    app: Omit<PassageAppEntity, 'createdAt'>,
  ): Promise<'inserted' | 'taken' | 'no-relying-party'> {
    const held = (await this.host.manager.query(
      `SELECT 1 FROM relying_parties WHERE tenant_id = $1 AND store_id = $2 AND id = $3
          FOR KEY SHARE`,
      [app.tenantId, app.storeId, app.relyingPartyId],
    )) as unknown[];
    if (held.length === 0) return 'no-relying-party';
    try {
      await this.host.manager.insert(PassageAppEntity, app);
      return 'inserted';
    } catch (error) {
      if (isUniqueViolation(error, 'pk_passage_apps')) return 'taken';
      throw error;
    }
  }

  async delete(tenantId: string, appId: string): Promise<boolean> {
    const [, affected] = (await this.host.manager.query(
      'DELETE FROM passage_apps WHERE tenant_id = $1 AND app_id = $2',
      [tenantId, appId],
    )) as [unknown, number];
    return affected > 0;
  }

  /**
   * The relying party whose origins may call an app's browser routes: only for an active
   * tenant's app (anything else answers no CORS headers, like a foreign origin).
   */
  async corsOfApp(appId: string): Promise<{ rpId: string; origins: string[] } | undefined> {
    const [row] = await this.query(
      `SELECT rp.rp_id, rp.origins FROM passage_apps a
         JOIN tenants t ON t.id = a.tenant_id
         JOIN relying_parties rp ON rp.tenant_id = a.tenant_id AND rp.id = a.relying_party_id
        WHERE a.app_id = $1 AND t.status = 'ACTIVE'`,
      [appId],
    );
    return row && { rpId: row.rp_id as string, origins: row.origins as string[] };
  }

  /** Users of the app's store, newest first; `externalId` narrows to that one. */
  async users(
    tenantId: string,
    app: PassageApp,
    page: { externalId?: string; limit: number; offset: number },
  ): Promise<{ users: PassageUserRow[]; total: number }> {
    const rows = await this.query(
      `SELECT ${USER_COLUMNS} FROM users u
        WHERE u.tenant_id = $1 AND u.store_id = $2 AND ($4::varchar IS NULL OR u.external_id = $4)
        ORDER BY u.created_at DESC, u.id DESC LIMIT $5 OFFSET $6`,
      [tenantId, app.storeId, app.relyingPartyId, page.externalId ?? null, page.limit, page.offset],
    );
    const [count] = await this.query(
      `SELECT count(*)::int AS total FROM users u
        WHERE u.tenant_id = $1 AND u.store_id = $2 AND ($3::varchar IS NULL OR u.external_id = $3)`,
      [tenantId, app.storeId, page.externalId ?? null],
    );
    return { users: rows.map(toUser), total: count.total as number };
  }

  async user(
    tenantId: string,
    app: PassageApp,
    userId: string,
  ): Promise<PassageUserRow | undefined> {
    const [row] = await this.query(
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.store_id = $2 AND u.id = $4`,
      [tenantId, app.storeId, app.relyingPartyId, userId],
    );
    return row && toUser(row);
  }

  /** The user's passkeys at the app's relying party (revoked ones are not devices any more). */
  async devices(tenantId: string, app: PassageApp, userId: string): Promise<PassageDeviceRow[]> {
    const rows = await this.query(
      `SELECT id, credential_id, display_name, aaguid, backup_eligible, transports, use_count,
              last_used_at, created_at, updated_at
         FROM passkeys
        WHERE tenant_id = $1 AND user_id = $2 AND relying_party_id = $3 AND status <> 'REVOKED'
        ORDER BY created_at, id`,
      [tenantId, userId, app.relyingPartyId],
    );
    return rows.map((row) => ({
      id: row.id as string,
      credentialId: row.credential_id as string,
      displayName: row.display_name as string,
      aaguid: row.aaguid as string,
      backupEligible: row.backup_eligible as boolean | null,
      transports: row.transports as string[],
      useCount: row.use_count as number,
      lastUsedAt: row.last_used_at as Date | null,
      createdAt: row.created_at as Date,
      updatedAt: row.updated_at as Date,
    }));
  }

  /** How many usable (ACTIVE) passkeys the user of that external id has at the app's relying party. */
  async activePasskeys(
    tenantId: string,
    app: PassageApp,
    externalId: string,
  ): Promise<number | undefined> {
    const [row] = await this.query(
      `SELECT (SELECT count(*)::int FROM passkeys p
                WHERE p.tenant_id = u.tenant_id AND p.user_id = u.id
                  AND p.relying_party_id = $3 AND p.status = 'ACTIVE') AS n
         FROM users u WHERE u.tenant_id = $1 AND u.store_id = $2 AND u.external_id = $4`,
      [tenantId, app.storeId, app.relyingPartyId, externalId],
    );
    return row ? (row.n as number) : undefined;
  }
}
