/**
 * The ceremonies' first reads answer JSON (one column per part instead of 30-50 that
 * node-postgres would describe and parse field by field). Their rows must be exactly what
 * node-postgres parses from the statement as written: dates as Dates, bytea as Buffers, int8 as
 * text. This compares both for every first read declared, on rows where every column that needs a
 * conversion has a value, so a column left out of a statement's `JsonColumns` fails here.
 */
import { Client } from 'pg';
import {
  AccessRepository,
  JsonColumns,
  KEY_COLUMNS,
  KEY_JSON,
  KEYED_STATEMENTS,
  keyRowOf,
  runFirstRead,
} from '../../src/access/access.repository';
import type { RequestContext } from '../../src/auth/request-context';
import { hashSecret, parseApiKey } from '../../src/auth/api-key-secret';
import { TransactionHost } from '../../src/database/transaction-host';
import { registerPasskey, authStartUrl, regStartUrl, start } from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

type Row = Record<string, unknown>;

describe('the first reads as JSON', () => {
  let t: TestApp;
  let w: World;
  let db: Client;
  let params: Record<string, { values: (tenant: string | null) => unknown[]; present: string }>;
  let key: { id: string; secretHash: Buffer };
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const auth = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const [passkey] = (
      await db.query('SELECT credential_id, aaguid FROM passkeys WHERE user_id = $1', [user.id])
    ).rows;
    // every column that needs a conversion gets a value
    await db.query("UPDATE users SET temp_locked_until = now() + interval '1 hour' WHERE id = $1", [
      user.id,
    ]);
    await db.query('UPDATE passkeys SET sign_counter = 4294967295 WHERE user_id = $1', [user.id]);
    const parsed = parseApiKey(w.key)!;
    key = { id: parsed.id, secretHash: hashSecret(parsed.secret) };
    await db.query(
      "UPDATE api_keys SET expires_at = now() + interval '1 day', last_used_at = now() WHERE id = $1",
      [key.id],
    );
    const target = (tenant: string | null) => [tenant, w.store, w.rpId, 'default'];
    params = {
      auth_start_by_id: { values: (tn) => [...target(tn), user.id], present: 'store_id' },
      auth_start_by_external_id: {
        values: (tn) => [...target(tn), user.externalId],
        present: 'store_id',
      },
      auth_start_usernameless: { values: target, present: 'store_id' },
      auth_read_assertion: {
        values: (tn) => [auth.sessionId, tn, w.store, passkey.credential_id],
        present: 'id',
      },
      reg_start_by_id: { values: (tn) => [...target(tn), user.id], present: 'store_id' },
      reg_start_by_external_id: {
        values: (tn) => [...target(tn), user.externalId],
        present: 'store_id',
      },
      reg_read_registration: {
        values: (tn) => [reg.sessionId, tn, w.store, passkey.aaguid],
        present: 'id',
      },
    };
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  /** The row node-postgres parses from the statement as written. */
  async function asWritten(name: string): Promise<Row> {
    const { sql } = KEYED_STATEMENTS.get(name)!;
    const { rows } = await db.query(sql, params[name].values(w.tenant));
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  const executor = () => t.app.get(TransactionHost).executor;

  /** Runs the first read `name` with its fixture's parameters. */
  const readFirst = (name: string, ctx: RequestContext) =>
    runFirstRead(
      executor(),
      ctx,
      KEYED_STATEMENTS.get(name)!,
      params[name].values,
      params[name].present,
    );

  /** A request context whose key is checked by the first read; `admitted.row`: the key row. */
  function keyedContext(): { ctx: RequestContext; admitted: { row?: Row | null } } {
    const admitted: { row?: Row | null } = {};
    const ctx = {
      get tenantId(): string {
        throw new Error('not admitted');
      },
      keyCheck: {
        keyId: key.id,
        secretHash: key.secretHash,
        tenantHint: null,
        admit: async (row: Row | null) => {
          admitted.row = row;
        },
      },
    } as unknown as RequestContext;
    return { ctx, admitted };
  }

  it('every first read declared is compared here', () => {
    expect([...KEYED_STATEMENTS.keys()].sort()).toEqual(Object.keys(params).sort());
  });

  /**
   * PostgreSQL types (`pg_type` oids) whose JSON value is what node-postgres parses from the
   * column: text and names, int2/int4, bool, uuid, json/jsonb and arrays of those.
   */
  const SAME_IN_JSON = new Set([
    25, 1043, 1042, 19, 21, 23, 16, 2950, 114, 3802, 1009, 1015, 1014, 1005, 1007, 1000, 2951, 199,
    3807,
  ]);
  /** The types `JsonColumns` converts, by the list that must name the column. */
  const DECLARED_AS: Record<number, 'dates' | 'bytes' | 'int8'> = {
    1184: 'dates',
    17: 'bytes',
    20: 'int8',
  };

  it('every column of every first read is of a type JSON keeps, or declared for its conversion', async () => {
    const keySql = `SELECT ${Object.entries(KEY_COLUMNS)
      .map(([alias, column]) => `${column} AS ${alias}`)
      .join(', ')} FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id
      LEFT JOIN tenants tt ON tt.id = k.tenant_id WHERE k.id = $1`;
    const reads: [string, string, unknown[], JsonColumns][] = [
      ['the key', keySql, [key.id], KEY_JSON],
      ...[...KEYED_STATEMENTS].map(
        ([name, { sql, json }]): [string, string, unknown[], JsonColumns] => [
          name,
          sql,
          params[name].values(w.tenant),
          json,
        ],
      ),
    ];
    for (const [name, sql, values, json] of reads) {
      const { fields, rows } = await db.query(sql, values);
      for (const { name: column, dataTypeID } of fields) {
        if (SAME_IN_JSON.has(dataTypeID)) {
          for (const list of ['dates', 'bytes', 'int8'] as const)
            expect([name, column, json[list] ?? []]).not.toEqual([
              name,
              column,
              expect.arrayContaining([column]),
            ]);
          continue;
        }
        // any other type (numeric, float, date, timestamp without zone, interval, arrays of the
        // converted types, …) has no declaration that makes its JSON equal: it fails here
        const list = DECLARED_AS[dataTypeID];
        expect([name, column, dataTypeID, list]).toEqual([
          name,
          column,
          dataTypeID,
          expect.any(String),
        ]);
        expect([name, column, json[list] ?? []]).toEqual([
          name,
          column,
          expect.arrayContaining([column]),
        ]);
        // and the fixture gives it a value, so that the comparisons below compare a conversion
        // (a username-less start reads no user: its user columns are null by construction)
        if (name === 'auth_start_usernameless' && column.startsWith('u_')) continue;
        expect([name, column, rows[0][column]]).not.toEqual([name, column, null]);
      }
    }
  });

  it.each([...KEYED_STATEMENTS.keys()])(
    '%s: its plain JSON row is the row as written',
    async (name) => {
      const expected = await asWritten(name);
      const ctx = { tenantId: w.tenant, keyCheck: undefined } as unknown as RequestContext;
      const row = await readFirst(name, ctx);
      expect(row).toStrictEqual(expected);
      // a date or a buffer that stayed text would not be equal; these make the point visible
      for (const [column, value] of Object.entries(expected)) {
        if (value instanceof Date) expect([column, row![column]]).toEqual([column, value]);
        if (Buffer.isBuffer(value)) expect(Buffer.isBuffer(row![column])).toBe(true);
      }
    },
  );

  it.each([...KEYED_STATEMENTS.keys()])(
    '%s: with the key riding along, the key and the row are what their own reads give',
    async (name) => {
      const expected = await asWritten(name);
      const { ctx, admitted } = keyedContext();
      const row = await readFirst(name, ctx);
      expect(row).toStrictEqual(expected);
      const own = await t.app.get(AccessRepository).key(key.id);
      expect(own!.expiresAt).toBeInstanceOf(Date);
      expect(keyRowOf(admitted.row!)).toEqual({ ...own, targetTenantStatus: 'ACTIVE' });
    },
  );

  it('a store that does not exist reads as absent in both forms', async () => {
    const name = 'auth_start_by_id';
    const values = (tn: string | null) => [tn, 'no-such-store', w.rpId, 'default', null];
    const plain = { tenantId: w.tenant, keyCheck: undefined } as unknown as RequestContext;
    const statement = KEYED_STATEMENTS.get(name)!;
    expect(await runFirstRead(executor(), plain, statement, values, 'store_id')).toBeUndefined();
    const keyed = keyedContext();
    expect(
      await runFirstRead(executor(), keyed.ctx, statement, values, 'store_id'),
    ).toBeUndefined();
    expect(keyed.admitted.row).toMatchObject({ key_id: key.id, key_may_read: true });
  });
});
