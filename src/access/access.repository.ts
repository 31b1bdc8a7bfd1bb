import { Injectable } from '@nestjs/common';
import { types } from 'pg';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import type { RequestContext } from '../auth/request-context';
import { prepared, PreparedStatement, runPrepared } from '../database/prepared';
import { TransactionHost } from '../database/transaction-host';
import { TenantEntity } from '../tenants/tenant.entity';

/** A row of a raw SQL query, mapped field by field below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawRow = Record<string, any>;

/** An API key as every request checks it, with its tenant's status and rate limits. */
export type KeyRow = ApiKeyEntity & {
  tenantStatus: string | null;
  rateLimits?: { perKey: number | null; perIp: number | null };
  /** Read with a ceremony's first statement: the target tenant's status (undefined: not read). */
  targetTenantStatus?: string | null;
};

const LOAD_KEY = prepared(
  'api_key_load',
  `SELECT k.id, k.tenant_id, k.status, k.permissions, k.secret_hash, k.is_platform, k.expires_at, k.last_used_at,
          t.status AS tenant_status, t.rate_limit_per_key, t.rate_limit_per_ip
     FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id
    WHERE k.id = $1`,
);

/** The key columns a keyed first read looks up (its `key` part). */
export const KEY_COLUMNS: Record<string, string> = {
  key_id: 'k.id',
  key_tenant_id: 'k.tenant_id',
  key_status: 'k.status',
  key_permissions: 'k.permissions',
  key_secret_hash: 'k.secret_hash',
  key_is_platform: 'k.is_platform',
  key_expires_at: 'k.expires_at',
  key_last_used_at: 'k.last_used_at',
  key_tenant_status: 't.status',
  key_rate_limit_per_key: 't.rate_limit_per_key',
  key_rate_limit_per_ip: 't.rate_limit_per_ip',
  key_target_tenant_status: 'tt.status',
};

/**
 * A ceremony's first read with the key lookup riding along (`@KeyCheckedByFirstRead()`): the
 * key row, its tenant's status and limits and the target tenant's status come as the `key`
 * object (`key_*` members), and `sql` runs for the target tenant (`$tenantParam`, or the key's
 * own tenant when it is null) only for a key whose secret hash matches and that is active and
 * unexpired (nothing is read for a wrong or blocked key; the secret itself is compared again in
 * constant time by the admission). The caller hands the key to `DeferredKeyCheck.admit` before it
 * looks at anything else. `sql` must be one SELECT; the key id and the secret's hash are the next
 * free parameters.
 */
function withKeyLookup(sql: string, tenantParam: number): string {
  const params = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  const keyParam = Math.max(...params) + 1;
  const hashParam = keyParam + 1;
  const tenant = `$${tenantParam}::text`;
  const body = sql.replace(new RegExp(`\\$${tenantParam}(?!\\d)`, 'g'), 'key.key_target_tenant');
  const columns = Object.keys(KEY_COLUMNS);
  return `WITH key AS (
     SELECT ${columns.map((c) => `${KEY_COLUMNS[c]} AS ${c}`).join(', ')},
            coalesce(${tenant}, k.tenant_id) AS key_target_tenant,
            k.secret_hash = $${hashParam}::bytea AND k.status = 'ACTIVE'
              AND (k.expires_at IS NULL OR k.expires_at > now()) AS key_may_read
       FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id
       LEFT JOIN tenants tt ON tt.id = coalesce(${tenant}, k.tenant_id)
      WHERE k.id = $${keyParam}::uuid)
   SELECT row_to_json(key) AS key, row_to_json(d) AS d
     FROM key LEFT JOIN LATERAL (${body}) d ON key.key_may_read`;
}

/**
 * The columns of a read whose JSON value is not what node-postgres gives for the column itself:
 * timestamptz (ISO text in JSON), bytea (`\x…` text) and int8 (a JSON number; node-postgres gives
 * text; only for values that fit a double, such as a signature counter). Text, int2/int4,
 * booleans, uuid, json/jsonb and arrays of those pass as they are; a first read may not return
 * any other type (numeric, floats, dates without zone, arrays of the converted types).
 * `first-read-json.e2e-spec.ts` checks every column's type against this and compares every first
 * read's decoded row with the row node-postgres parses from the statement as written.
 */
export interface JsonColumns {
  dates?: readonly string[];
  bytes?: readonly string[];
  int8?: readonly string[];
}

export const KEY_JSON: JsonColumns = {
  dates: ['key_expires_at', 'key_last_used_at'],
  bytes: ['key_secret_hash'],
};

const parseTimestamp = types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text');
const parseBytea = types.getTypeParser(types.builtins.BYTEA, 'text');

/** Gives a JSON row the values node-postgres would have parsed from its columns (in place). */
function decodeJson(row: RawRow, columns: JsonColumns): RawRow {
  for (const c of columns.dates ?? []) {
    // JSON writes `2026-11-26T19:00:00.123456+00:00`; node-postgres's parser wants the space
    if (typeof row[c] === 'string') row[c] = parseTimestamp(row[c].replace('T', ' '));
  }
  for (const c of columns.bytes ?? []) if (typeof row[c] === 'string') row[c] = parseBytea(row[c]);
  for (const c of columns.int8 ?? []) if (typeof row[c] === 'number') row[c] = String(row[c]);
  return row;
}

/**
 * A ceremony's first read in its two forms (as written, and with the key lookup riding along),
 * both answering JSON: one column per part instead of 30-50, which node-postgres would describe
 * and parse field by field on every call (about half its CPU per statement on these reads).
 */
export interface KeyedStatement {
  plain: PreparedStatement;
  keyed: PreparedStatement;
  /** The SELECT as written (for the test that compares the JSON rows with its own). */
  sql: string;
  json: JsonColumns;
}

/** Every first read declared, by name (the JSON comparison test walks them all). */
export const KEYED_STATEMENTS = new Map<string, KeyedStatement>();

/**
 * Declares both forms of a first read (`sql` names the tenant as `$tenantParam`; it may not name
 * a column `d` or `key`, the names the JSON wrappers give the rows).
 */
export function keyedStatement(
  name: string,
  sql: string,
  tenantParam: number,
  json: JsonColumns = {},
): KeyedStatement {
  const statement = {
    plain: prepared(name, `SELECT row_to_json(d) AS d FROM (${sql}) d`),
    keyed: prepared(`${name}_k`, withKeyLookup(sql, tenantParam)),
    sql,
    json,
  };
  KEYED_STATEMENTS.set(name, statement);
  return statement;
}

/**
 * Runs a ceremony's first read for `ctx`. With a deferred key check the key lookup rides in the
 * same statement and is admitted (401/403/404/429 thrown) before the row is returned; the row is
 * undefined when the route's data is absent (`present`: a column that is null then). `values`
 * gets the tenant to put where the statement names it (null: the key's own).
 */
export async function runFirstRead(
  executor: TransactionHost['executor'],
  ctx: RequestContext,
  statement: KeyedStatement,
  values: (tenant: string | null) => unknown[],
  present: string,
): Promise<RawRow | undefined> {
  const check = ctx.keyCheck;
  if (check) {
    const [row] = await runPrepared<{ key: RawRow; d: RawRow | null }[]>(
      executor,
      statement.keyed,
      [...values(check.tenantHint), check.keyId, check.secretHash],
    );
    const key = row ? decodeJson(row.key, KEY_JSON) : null;
    await check.admit(key);
    // admitted without the row (a platform key of free format that happens to look like ours):
    // read the route's data for the admitted tenant, below
    if (key?.key_may_read) return dataOf(row.d, statement, present);
  }
  const [plain] = await runPrepared<{ d: RawRow }[]>(
    executor,
    statement.plain,
    values(ctx.tenantId),
  );
  return dataOf(plain?.d ?? null, statement, present);
}

function dataOf(d: RawRow | null, statement: KeyedStatement, present: string): RawRow | undefined {
  if (d === null || d[present] === null) return undefined;
  return decodeJson(d, statement.json);
}

/** The key of a `withKeyLookup` row; null when no key has that id. */
export function keyRowOf(row: RawRow | null): KeyRow | null {
  if (!row?.key_id) return null;
  return Object.assign(new ApiKeyEntity(), {
    id: row.key_id,
    tenantId: row.key_tenant_id,
    status: row.key_status,
    permissions: row.key_permissions,
    secretHash: row.key_secret_hash,
    isPlatform: row.key_is_platform,
    expiresAt: row.key_expires_at,
    lastUsedAt: row.key_last_used_at,
    tenantStatus: row.key_tenant_status,
    rateLimits: { perKey: row.key_rate_limit_per_key, perIp: row.key_rate_limit_per_ip },
    targetTenantStatus: row.key_target_tenant_status,
  }) as KeyRow;
}

/**
 * The reads of access control, on every request: the presented key (by id: a key is found before
 * its tenant is known), the platform keys, another target tenant's status.
 */
@Injectable()
export class AccessRepository {
  constructor(private readonly host: TransactionHost) {}

  /** One plain statement per request (this runs on every call; no query builder). */
  async key(id: string): Promise<KeyRow | undefined> {
    const [row] = await runPrepared<RawRow[]>(this.host.executor, LOAD_KEY, [id]);
    if (!row) return undefined;
    return Object.assign(new ApiKeyEntity(), {
      id: row.id,
      tenantId: row.tenant_id,
      status: row.status,
      permissions: row.permissions,
      secretHash: row.secret_hash,
      isPlatform: row.is_platform,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      tenantStatus: row.tenant_status,
      rateLimits: { perKey: row.rate_limit_per_key, perIp: row.rate_limit_per_ip },
    }) as KeyRow;
  }

  /** The platform keys (one or two; they belong to no tenant). */
  platformKeys(): Promise<ApiKeyEntity[]> {
    return this.host.manager.getRepository(ApiKeyEntity).find({ where: { isPlatform: true } });
  }

  /** Records that a key was used (keeps updated_at: a use is not a change of the key). */
  async touchKey(id: string): Promise<void> {
    await this.host.manager
      .getRepository(ApiKeyEntity)
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()', updatedAt: () => 'updated_at' })
      .where('id = :id', { id })
      .execute();
  }

  /** A tenant's status; undefined when there is no such tenant. */
  async tenantStatus(tenantId: string): Promise<string | undefined> {
    const tenant = await this.host.manager
      .getRepository(TenantEntity)
      .findOne({ where: { id: tenantId }, select: { status: true } });
    return tenant?.status;
  }
}
