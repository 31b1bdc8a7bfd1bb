/**
 * The tenant-filter rule over SQL texts (test/support/sql-tenant-filter.ts): pure, no database.
 * The per-file check (test/setup/sql-tenant-filter.ts) applies it to the SQL the app sends.
 */
import { DataSource } from 'typeorm';
import { keyedStatement } from '../../src/access/access.repository';
import { CROSS_TENANT_REASONS } from '../../src/database/distribution';
import {
  crossTenantComments,
  excerpt,
  loadSqlParser,
  temporaryTables,
  tenantFilterViolations,
  Violation,
} from '../support/sql-tenant-filter';

beforeAll(() => loadSqlParser());

const check = (sql: string) => tenantFilterViolations(sql);
/** `table alias rule` of each violation, for compact expectations. */
const brief = (sql: string) => check(sql).map((v: Violation) => `${v.table} ${v.alias} ${v.rule}`);

describe('statements that are not judged', () => {
  it.each([
    ['BEGIN'],
    ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE'],
    ['COMMIT'],
    ['ROLLBACK'],
    ['SAVEPOINT typeorm_1'],
    ['RELEASE SAVEPOINT typeorm_1'],
    ['ROLLBACK TO SAVEPOINT typeorm_1'],
    ['SELECT 1'],
    ['SELECT version()'],
    ['SHOW server_version'],
    ["SET LOCAL statement_timeout = '1s'"],
    ['SELECT pg_advisory_lock($1)'],
    ['SELECT pg_try_advisory_xact_lock(hashtext($1))'],
    ['CREATE TABLE "passkeys" ("id" uuid NOT NULL, PRIMARY KEY ("id"))'],
    ['ALTER TABLE "users" ADD "x" text'],
    ['CREATE INDEX "IDX_x" ON "users" ("store_id")'],
    ['TRUNCATE passkeys'],
  ])('%s', (sql) => {
    expect(check(sql)).toEqual([]);
  });

  it('reads of the catalog, information_schema and the reference and local tables', () => {
    expect(
      check(`SELECT * FROM pg_catalog.pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`),
    ).toEqual([]);
    expect(check(`SELECT * FROM information_schema.tables WHERE table_name = $1`)).toEqual([]);
    expect(
      check(
        `SELECT k.id FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1`,
      ),
    ).toEqual([]);
    expect(check(`INSERT INTO rate_limits (key, count) VALUES ($1, 1)`)).toEqual([]);
    expect(check(`SELECT * FROM "migrations" "migrations" ORDER BY "id" DESC`)).toEqual([]);
  });
});

describe('SELECT, UPDATE, DELETE: each tenant-owned table is filtered by its tenant_id', () => {
  it.each([
    ['a parameter', `SELECT id FROM users WHERE tenant_id = $1 AND id = $2`],
    ['a qualified alias', `SELECT u.id FROM users u WHERE u.tenant_id = $1`],
    [
      'a constant',
      `SELECT u.id FROM users u WHERE u.tenant_id = '00000000-0000-0000-0000-000000000000'`,
    ],
    ['casts on both sides', `SELECT u.id FROM users u WHERE u.tenant_id::text = $1::uuid`],
    ['reversed', `SELECT u.id FROM users u WHERE $1 = u.tenant_id`],
    ['IN a list', `SELECT u.id FROM users u WHERE u.tenant_id IN ($1, $2)`],
    ['= ANY', `SELECT u.id FROM users u WHERE u.tenant_id = ANY($1::uuid[])`],
    ['IS NOT DISTINCT FROM', `SELECT u.id FROM users u WHERE u.tenant_id IS NOT DISTINCT FROM $1`],
    ['a row equality', `SELECT u.id FROM users u WHERE (u.tenant_id, u.id) = ($1, $2)`],
    ['a row IN', `SELECT u.id FROM users u WHERE (u.tenant_id, u.id) IN (($1, $2), ($1, $3))`],
    [
      'a row IN a subquery',
      `SELECT u.id FROM users u WHERE (u.tenant_id, u.id) IN (SELECT tenant_id, user_id FROM passkeys WHERE tenant_id = $1)`,
    ],
    [
      'a scalar subquery',
      `SELECT u.id FROM users u WHERE u.tenant_id = (SELECT id FROM tenants WHERE id = $1)`,
    ],
    [
      'a join on tenant to a filtered table',
      `SELECT u.id FROM users u JOIN passkeys k ON k.tenant_id = u.tenant_id AND k.user_id = u.id WHERE u.tenant_id = $1`,
    ],
    [
      'through a reference table fixed by a parameter',
      `SELECT s.id FROM tenants t JOIN stores s ON s.tenant_id = t.id WHERE t.id = $1`,
    ],
    [
      "through a reference table's tenant_id, its row picked by key (a keyless route's app)",
      `SELECT s.name FROM passage_apps a JOIN stores s ON s.tenant_id = a.tenant_id AND s.id = a.store_id WHERE a.app_id = $1`,
    ],
    [
      'a LEFT JOIN filtering its nullable side',
      `SELECT s.id FROM stores s LEFT JOIN users u ON u.tenant_id = $1 AND u.store_id = s.id WHERE s.tenant_id = $1`,
    ],
    ['an UPDATE', `UPDATE users SET status = 'LOCKED' WHERE tenant_id = $1 AND id = $2`],
    [
      'an UPDATE ... FROM a CTE',
      `WITH s AS (SELECT 1 AS id) UPDATE passkeys SET use_count = use_count + 1 FROM s WHERE passkeys.tenant_id = $1 AND passkeys.id = $2`,
    ],
    ['a DELETE with an alias', `DELETE FROM passkeys k WHERE k.tenant_id = $1 AND k.id = $2`],
    [
      'a DELETE ... USING',
      `DELETE FROM passkeys k USING users u WHERE u.tenant_id = $1 AND k.tenant_id = u.tenant_id AND k.user_id = u.id`,
    ],
    [
      'TypeORM: quoted identifiers and aliases',
      `SELECT "StoreEntity"."id" AS "StoreEntity_id" FROM "stores" "StoreEntity" WHERE (("StoreEntity"."tenant_id" = $1) AND ("StoreEntity"."name" = $2)) LIMIT 1`,
    ],
    [
      'TypeORM: an UPDATE by criteria',
      `UPDATE "ceremony_sessions" SET "status" = $1 WHERE ("tenant_id" = $2 AND "id" = $3 AND "status" = $4)`,
    ],
    [
      'UNION arms, each filtered',
      `SELECT id FROM users WHERE tenant_id = $1 UNION ALL SELECT id FROM passkeys WHERE tenant_id = $1`,
    ],
    [
      'a correlated subquery joined on tenant',
      `SELECT u.id, (SELECT count(*) FROM passkeys k WHERE k.tenant_id = u.tenant_id AND k.user_id = u.id) FROM users u WHERE u.tenant_id = $1`,
    ],
  ])('passes: %s', (_name, sql) => {
    expect(check(sql)).toEqual([]);
  });

  it.each([
    ['no WHERE', `SELECT id FROM users`, ['users users unscoped']],
    ['filtered by id only', `SELECT u.id FROM users u WHERE u.id = $1`, ['users u unscoped']],
    ['an OR', `SELECT u.id FROM users u WHERE u.tenant_id = $1 OR u.id = $2`, ['users u unscoped']],
    ['inequality', `SELECT u.id FROM users u WHERE u.tenant_id <> $1`, ['users u unscoped']],
    [
      'a join on another column',
      `SELECT u.id FROM users u JOIN passkeys k ON k.user_id = u.id WHERE u.tenant_id = $1`,
      ['passkeys k unscoped'],
    ],
    [
      "a LEFT JOIN's ON does not filter the preserved side",
      `SELECT s.id FROM stores s LEFT JOIN users u ON u.store_id = s.id AND s.tenant_id = $1 AND u.tenant_id = $1`,
      ['stores s unscoped'],
    ],
    [
      'a join on tenant with nothing fixing it',
      `SELECT u.id FROM users u JOIN passkeys k ON k.tenant_id = u.tenant_id`,
      ['users u unscoped', 'passkeys k unscoped'],
    ],
    [
      'through a reference table that nothing fixes (a job over every tenant)',
      `DELETE FROM users u USING tenants t WHERE u.tenant_id = t.id AND t.status = 'DELETED'`,
      ['users u unscoped'],
    ],
    [
      "through a reference table's tenant_id when nothing picks its row",
      `SELECT s.name FROM passage_apps a JOIN stores s ON s.tenant_id = a.tenant_id AND s.id = a.store_id`,
      ['stores s unscoped'],
    ],
    [
      'an unqualified tenant_id when the level has two tables',
      `SELECT u.id FROM users u, passkeys k WHERE tenant_id = $1 AND k.tenant_id = $1`,
      ['users u unscoped'],
    ],
    [
      'a filter of the outer level does not scope the subquery',
      `SELECT u.id FROM users u WHERE u.tenant_id = $1 AND EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = u.id)`,
      ['passkeys k unscoped'],
    ],
    [
      'a filter inside a subquery does not scope the outer level',
      `SELECT u.id FROM users u WHERE u.id IN (SELECT user_id FROM passkeys WHERE tenant_id = $1)`,
      ['users u unscoped'],
    ],
    [
      'an expression mixing the table in',
      `SELECT u.id FROM users u WHERE u.tenant_id = coalesce($1, u.tenant_id)`,
      ['users u unscoped'],
    ],
    [
      'one UNION arm unfiltered',
      `SELECT id FROM users WHERE tenant_id = $1 UNION SELECT id FROM passkeys`,
      ['passkeys passkeys unscoped'],
    ],
    [
      'an UPDATE by id',
      `UPDATE "users" SET "status" = $1 WHERE "id" = $2`,
      ['users users unscoped'],
    ],
    [
      'a DELETE by date',
      `DELETE FROM ceremony_sessions WHERE expires_at < now() - interval '1 day'`,
      ['ceremony_sessions ceremony_sessions unscoped'],
    ],
    [
      'a LATERAL subquery',
      `SELECT * FROM users u LEFT JOIN LATERAL (SELECT id FROM passkeys k WHERE k.user_id = u.id) d ON true WHERE u.tenant_id = $1`,
      ['passkeys k unscoped'],
    ],
    [
      'TypeORM relations: a join on the foreign key only',
      `SELECT "u"."id" FROM "users" "u" LEFT JOIN "passkeys" "u__k" ON "u__k"."user_id"="u"."id" WHERE "u"."tenant_id" = $1`,
      ['passkeys u__k unscoped'],
    ],
  ])('fails: %s', (_name, sql, expected) => {
    expect(brief(sql)).toEqual(expected);
  });

  it('names the table, its alias and the rule in the message', () => {
    expect(check(`SELECT "S"."id" FROM "stores" "S" WHERE "S"."id" = $1`)).toEqual([
      {
        rule: 'unscoped',
        table: 'stores',
        alias: 'S',
        at: 21,
        message: 'stores "S" is not filtered by S.tenant_id at its level (WHERE / JOIN ON)',
      },
    ]);
  });

  it('places each violation in the text (characters, also after multi-byte text)', () => {
    const sql = `SELECT 'déjà vu' AS x, u.id FROM users u JOIN passkeys k ON k.user_id = u.id WHERE u.tenant_id = $1`;
    const [v] = check(sql);
    expect(v.at).toBe(sql.indexOf('passkeys k'));
    expect(excerpt(sql, v.at)).toBe(
      '…AS x, u.id FROM users u JOIN passkeys k ON k.user_id = u.id WHERE u.tenant_id = $1',
    );
  });
});

describe('INSERT: lists tenant_id', () => {
  it.each([
    ['VALUES', `INSERT INTO users (tenant_id, store_id, external_id) VALUES ($1, $2, $3)`],
    [
      'TypeORM',
      `INSERT INTO "passkeys"("id", "tenant_id", "user_id") VALUES (DEFAULT, $1, $2) RETURNING "id"`,
    ],
    [
      'INSERT ... SELECT from a filtered table',
      `INSERT INTO audit_events (tenant_id, type) SELECT u.tenant_id, 'x' FROM users u WHERE u.tenant_id = $1`,
    ],
    [
      'ON CONFLICT DO UPDATE',
      `INSERT INTO user_handles (tenant_id, user_id, relying_party_id, handle) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, user_id, relying_party_id) DO UPDATE SET handle = EXCLUDED.handle`,
    ],
  ])('passes: %s', (_name, sql) => {
    expect(check(sql)).toEqual([]);
  });

  it.each([
    [
      'no tenant_id',
      `INSERT INTO user_handles (user_id, relying_party_id, handle) VALUES ($1, $2, $3)`,
      ['user_handles user_handles insert-without-tenant'],
    ],
    ['no column list', `INSERT INTO users VALUES ($1, $2)`, ['users users insert-without-tenant']],
    [
      'INSERT ... SELECT from an unfiltered table',
      `INSERT INTO audit_events (tenant_id, type) SELECT u.tenant_id, 'x' FROM users u WHERE u.id = $1`,
      ['users u unscoped'],
    ],
    [
      'a subquery in ON CONFLICT',
      `INSERT INTO user_handles (tenant_id, user_id, relying_party_id, handle) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, user_id, relying_party_id) DO UPDATE SET handle = (SELECT handle FROM user_handles h WHERE h.user_id = $2 LIMIT 1)`,
      ['user_handles h unscoped'],
    ],
  ])('fails: %s', (_name, sql, expected) => {
    expect(brief(sql)).toEqual(expected);
  });
});

describe('CTE chains', () => {
  it('a CTE name is not a table; each CTE body is judged', () => {
    // sessions.repository.ts INSERT_SESSION and CANCEL_PENDING
    expect(
      check(`WITH s AS (
     INSERT INTO ceremony_sessions (tenant_id, store_id, relying_party_id, kind, status, user_id, challenge, client_request, snapshot, expires_at)
     VALUES ($1, $2, $3, $14, 'PENDING', $4, $5, $6, $7, $8) RETURNING id)
   INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
   SELECT $1, $9, $10, $11, $12, $13::jsonb || jsonb_build_object('sessionId', s.id) FROM s
   RETURNING (SELECT id FROM s) AS session_id`),
    ).toEqual([]);
    expect(
      check(`WITH c AS (
     UPDATE ceremony_sessions SET status = 'CANCELLED', completed_at = now()
      WHERE tenant_id = $1 AND id = $2 AND store_id = $3 AND kind = $4 AND status = 'PENDING'
      RETURNING id, user_id),
   a AS (
     INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
     SELECT $1, $5, $6, $7, $8, $9::jsonb || jsonb_build_object('sessionId', c.id, 'userId', c.user_id) FROM c)
   SELECT count(*)::int AS cancelled FROM c`),
    ).toEqual([]);
  });

  it("the authentication's settle: locks, claim, writes and audit in one statement", () => {
    // authentication.repository.ts SETTLE_SUCCESS
    expect(
      check(`WITH g AS (
     SELECT id FROM users WHERE tenant_id = $12 AND id = $5 AND xmin = $18::text::xid FOR UPDATE),
   gk AS (
     SELECT id FROM passkeys WHERE tenant_id = $12 AND id = $1 AND xmin = $19::text::xid FOR UPDATE),
   s AS (
     UPDATE ceremony_sessions SET status = 'SUCCEEDED', completed_at = now(), user_id = $5, outcome = $11
      WHERE tenant_id = $12 AND id = $10 AND status = 'PENDING' AND expires_at > now()
        AND EXISTS (SELECT 1 FROM g) AND EXISTS (SELECT 1 FROM gk)
      RETURNING id),
   k AS (
     UPDATE passkeys SET sign_counter = $2, backed_up = $3, last_used_at = now(), use_count = use_count + 1,
            counter_regressions = counter_regressions + $4, updated_at = now()
       FROM s WHERE passkeys.tenant_id = $12 AND passkeys.id = $1),
   u AS (
     UPDATE users SET status = $6, failed_attempts = $7, lock_count = $8, temp_locked_until = $9,
            last_authenticated_at = now(), updated_at = now()
       FROM s WHERE users.tenant_id = $12 AND users.id = $5),
   a AS (
     INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
     SELECT $12, $13, $14, $15, $16, $17 FROM s)
   SELECT (SELECT count(*) FROM s)::int AS claimed,
          (SELECT count(*) FROM g)::int + (SELECT count(*) FROM gk)::int AS unchanged`),
    ).toEqual([]);
  });

  it('one unfiltered link of a chain is found', () => {
    expect(
      brief(`WITH g AS (SELECT id FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE),
        k AS (UPDATE passkeys SET use_count = use_count + 1 FROM g WHERE passkeys.user_id = g.id),
        a AS (INSERT INTO audit_events (type) SELECT 'x' FROM g)
        SELECT count(*) FROM g`),
    ).toEqual(['passkeys passkeys unscoped', 'audit_events audit_events insert-without-tenant']);
  });

  it('a CTE name shadows a table of the same name; a CTE of an outer level is visible inside', () => {
    expect(check(`WITH users AS (SELECT 1 AS id) SELECT * FROM users`)).toEqual([]);
    expect(
      check(`WITH x AS (SELECT 1 AS id) SELECT (SELECT id FROM x) FROM (SELECT * FROM x) y`),
    ).toEqual([]);
    // but public.users is the table
    expect(brief(`WITH users AS (SELECT 1 AS id) SELECT * FROM public.users`)).toEqual([
      'users users unscoped',
    ]);
  });

  it('the read of a completion (READ_ASSERTION): user_handles joined by user only', () => {
    expect(
      brief(`SELECT cs.id, h.handle
     FROM ceremony_sessions cs
     JOIN stores s ON s.id = cs.store_id AND s.tenant_id = $2 AND s.name = $3
     LEFT JOIN passkeys k ON k.tenant_id = $2 AND k.relying_party_id = cs.relying_party_id AND k.credential_id = $4
     LEFT JOIN users u ON u.tenant_id = $2 AND u.id = coalesce(cs.user_id, k.user_id)
     LEFT JOIN user_handles h ON h.user_id = u.id AND h.relying_party_id = cs.relying_party_id
    WHERE cs.id = $1 AND cs.tenant_id = $2 AND cs.kind = 'AUTHENTICATION'
      AND cs.status = 'PENDING' AND cs.expires_at > now()`),
    ).toEqual(['user_handles h unscoped']);
  });
});

describe("a ceremony's keyed first read (withKeyLookup in access.repository.ts)", () => {
  it("the body runs LATERAL for the key's target tenant: a column of the outer CTE fixes it", () => {
    const { keyed, plain } = keyedStatement(
      'sql_rules_keyed_ok',
      `SELECT s.id AS store_id FROM stores s WHERE s.tenant_id = $1 AND s.name = $2`,
      1,
    );
    expect(keyed.text).toContain('LEFT JOIN LATERAL');
    expect(keyed.text).toContain('s.tenant_id = key.key_target_tenant');
    expect(check(plain.text)).toEqual([]);
    expect(check(keyed.text)).toEqual([]);
  });

  it('an unfiltered join inside the body is found in both forms', () => {
    const { keyed, plain } = keyedStatement(
      'sql_rules_keyed_bad',
      `SELECT s.id AS store_id, rp.id AS rp_pk FROM stores s
         LEFT JOIN relying_parties rp ON rp.store_id = s.id AND rp.rp_id = $3
        WHERE s.tenant_id = $1 AND s.name = $2`,
      1,
    );
    expect(brief(plain.text)).toEqual(['relying_parties rp unscoped']);
    expect(brief(keyed.text)).toEqual(['relying_parties rp unscoped']);
  });
});

describe('declared exceptions: /* cross-tenant: <reason> */ at the statement', () => {
  const purge = `DELETE FROM ceremony_sessions WHERE expires_at < $1`;

  it('a declared reason exempts the statement', () => {
    for (const reason of Object.keys(CROSS_TENANT_REASONS)) {
      expect(check(`/* cross-tenant: ${reason} */ ${purge}`)).toEqual([]);
      expect(check(`${purge} -- cross-tenant: ${reason}`)).toEqual([]);
      expect(
        check(
          `WITH d AS (${purge} /* cross-tenant: ${reason} */ RETURNING id) SELECT count(*) FROM d`,
        ),
      ).toEqual([]);
    }
  });

  it('an unknown reason is itself a violation, and exempts nothing', () => {
    expect(check(`/* cross-tenant: because */ ${purge}`).map((v) => v.rule)).toEqual([
      'cross-tenant-reason',
      'unscoped',
    ]);
    expect(check(`/* cross-tenant: because */ ${purge}`)[0].message).toContain(
      'unknown cross-tenant reason "because"',
    );
    expect(check(`/* cross-tenant */ ${purge}`)[0].rule).toBe('cross-tenant-reason');
    expect(check(`/* cross-tenant: toString */ ${purge}`)[0].rule).toBe('cross-tenant-reason');
  });

  it('the comment belongs to the statement it is in (several statements in one text)', () => {
    // statement locations are bytes: a multi-byte character before the comment does not move it
    expect(
      brief(
        `SELECT 'déjà' AS x FROM users WHERE tenant_id = $1; /* cross-tenant: platform-job */ ${purge}`,
      ),
    ).toEqual([]);
    expect(brief(`/* cross-tenant: platform-job */ SELECT 'déjà' AS x; ${purge}`)).toEqual([
      'ceremony_sessions ceremony_sessions unscoped',
    ]);
    expect(
      brief(`/* cross-tenant: platform-job */ ${purge}; DELETE FROM passkeys WHERE id = $1`),
    ).toEqual(['passkeys passkeys unscoped']);
  });

  it('text in strings, quoted identifiers and dollar quotes is not a comment', () => {
    expect(brief(`SELECT '/* cross-tenant: platform-job */' FROM users`)).toEqual([
      'users users unscoped',
    ]);
    expect(brief(`SELECT 1 AS "-- cross-tenant: platform-job" FROM users`)).toEqual([
      'users users unscoped',
    ]);
    expect(brief(`SELECT $$ /* cross-tenant: platform-job */ $$ FROM users`)).toEqual([
      'users users unscoped',
    ]);
    expect(crossTenantComments(`SELECT E'\\' /* cross-tenant: x */' -- cross-tenant: y`)).toEqual([
      { at: 35, byte: 35, reason: 'y' },
    ]);
    expect(
      crossTenantComments(`/* outer /* nested */ cross-tenant: no */ /* cross-tenant: yes */`),
    ).toEqual([{ at: 42, byte: 42, reason: 'yes' }]);
  });

  it("TypeORM's QueryBuilder .comment() writes a comment the analyzer sees", () => {
    const ds = new DataSource({ type: 'postgres' });
    const [sql] = ds
      .createQueryBuilder()
      .delete()
      .from('ceremony_sessions')
      .where('expires_at < :t', { t: new Date() })
      .comment('cross-tenant: platform-job')
      .getQueryAndParameters();
    expect(sql).toMatch(/^\/\* cross-tenant: platform-job \*\/ DELETE FROM/);
    expect(check(sql)).toEqual([]);
    expect(check(sql.replace(/^\/\*.*?\*\/ /, ''))).toEqual([
      expect.objectContaining({ rule: 'unscoped', table: 'ceremony_sessions' }),
    ]);
  });
});

describe("the session's temporary tables are not public tables", () => {
  it('finds the tables a text creates TEMPORARY', () => {
    expect(
      temporaryTables('CREATE TEMP TABLE probe_emails (email text PRIMARY KEY) ON COMMIT DROP'),
    ).toEqual(['probe_emails']);
    expect(temporaryTables('CREATE TEMPORARY TABLE scratch AS SELECT 1 AS id')).toEqual([
      'scratch',
    ]);
    expect(temporaryTables('CREATE TABLE scratch (id int)')).toEqual([]);
    expect(temporaryTables("SELECT 'temp' FROM users")).toEqual([]);
  });

  it('skips a temporary table when told, not the public table of that name', () => {
    const insert = 'INSERT INTO probe_emails (email) VALUES ($1), ($1)';
    expect(brief(insert)).toEqual(['probe_emails probe_emails insert-without-tenant']);
    expect(tenantFilterViolations(insert, { temporary: ['probe_emails'] })).toEqual([]);
    expect(tenantFilterViolations('SELECT * FROM users', { temporary: ['users'] })).toEqual([]);
    expect(
      tenantFilterViolations('SELECT * FROM public.users', { temporary: ['users'] }).map(
        (v) => v.rule,
      ),
    ).toEqual(['unscoped']);
  });
});

describe('unparsable and unanalysed statements are violations', () => {
  it('a syntax error', () => {
    const [v] = check(`SELEC id FROM users`);
    expect(v.rule).toBe('unparsable');
    expect(v.message).toContain("PostgreSQL's parser rejects the statement");
    expect(v.message).toContain('syntax error at or near "SELEC"');
  });

  it('MERGE', () => {
    expect(
      check(
        `MERGE INTO users u USING (SELECT 1 AS id) s ON u.id = s.id WHEN MATCHED THEN DELETE`,
      )[0].rule,
    ).toBe('unparsable');
  });
});
