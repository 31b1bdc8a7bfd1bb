/**
 * The tenant-filter check, in every e2e file: each distinct SQL text the APP sends is recorded,
 * and after the file's tests every one must filter its tenant-owned tables by `tenant_id` (or
 * declare why not): test/support/sql-tenant-filter.ts has the rule, src/database/distribution.ts
 * the tables. In memory, per test file, like the documented-codes check.
 *
 * - The app's connections are node-postgres clients whose `application_name` is the app's
 *   (src/database/data-source-options.ts); a test's own `new Client(...)` (tampering, admin) has
 *   none and is not recorded.
 * - Migrations are not the app's statements: `DataSource.runMigrations` (the app runs them on its
 *   own pool when a test starts it on an empty database) runs inside an AsyncLocalStorage
 *   context, and what is sent inside it is not recorded.
 * - Statements sent by the test file's own top-level afterAll hooks (closing the app) come after
 *   this check: they are not judged here, but IDS_SQL_DUMP keeps them (`late: true`).
 *
 * `IDS_SQL_DUMP=dir` appends each file's distinct app statements to `dir/<pid>.jsonl`
 * (`{file, sql, late}`); `npm run sql:report -- dir` prints their violations by statement.
 * `IDS_SQL_TENANT_CHECK=off` records without judging: a switch for investigation only (e.g. to
 * dump a whole run while statements are being fixed); CI never sets it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';

const judging = process.env.IDS_SQL_TENANT_CHECK !== 'off';
const dumpDir = process.env.IDS_SQL_DUMP;

/** The app's application_name, from the one definition of its connections. */
const APP_NAME = (
  dataSourceOptions(
    'postgres://app@localhost/app',
    { poolSize: 1, connectTimeoutMs: 1, statementTimeoutMs: 1 },
    [],
  ) as { applicationName?: string }
).applicationName;

if (judging || dumpDir) {
  const migrating = new AsyncLocalStorage<true>();
  const runMigrations = DataSource.prototype.runMigrations;
  DataSource.prototype.runMigrations = function (
    this: DataSource,
    ...args: Parameters<DataSource['runMigrations']>
  ) {
    return migrating.run(true, () => runMigrations.apply(this, args));
  };

  const seen = new Set<string>();
  let judged = false;
  const file = () => relative(process.cwd(), expect.getState().testPath ?? '');

  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  (Client.prototype as unknown as { query: typeof query }).query = function (
    this: Client & { connectionParameters?: { application_name?: string } },
    ...args: unknown[]
  ) {
    const first = args[0] as string | { text?: unknown } | null | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (
      typeof text === 'string' &&
      !seen.has(text) &&
      this.connectionParameters?.application_name === APP_NAME &&
      !migrating.getStore()
    ) {
      seen.add(text);
      if (dumpDir) {
        appendFileSync(
          join(dumpDir, `${process.pid}.jsonl`),
          `${JSON.stringify({ file: file(), sql: text, late: judged })}\n`,
        );
      }
    }
    return query.apply(this, args);
  };

  afterAll(async () => {
    judged = true;
    if (!judging || seen.size === 0) return;
    // loaded only here: the parser (wasm, ~40 ms) is not needed before there is SQL to judge
    const { excerpt, loadSqlParser, shortSql, temporaryTables, tenantFilterViolations } =
      await import('../support/sql-tenant-filter');
    await loadSqlParser();
    const temporary = [...seen].flatMap(temporaryTables);
    const found: string[] = [];
    for (const sql of seen) {
      const violations = tenantFilterViolations(sql, { temporary });
      if (violations.length === 0) continue;
      const lines = violations.map(
        (v) =>
          `      - ${v.message}${v.at === undefined ? '' : `:\n          ${excerpt(sql, v.at)}`}`,
      );
      found.push(`${shortSql(sql)}\n${lines.join('\n')}`);
    }
    if (found.length > 0) {
      throw new Error(
        `${found.length} statement(s) the app sent touch a tenant-owned table without filtering ` +
          `by tenant_id (src/database/distribution.ts; a statement that must read across ` +
          `tenants says why with /* cross-tenant: <reason> */, a key of CROSS_TENANT_REASONS):\n` +
          `  * ${found.join('\n  * ')}`,
      );
    }
  });
}
