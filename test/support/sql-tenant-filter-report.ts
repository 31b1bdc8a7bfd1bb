/**
 * Prints the tenant-filter violations of a dump of a test run, grouped by statement, with the
 * test files that sent each (no jest, no database):
 *
 *   IDS_SQL_TENANT_CHECK=off IDS_SQL_DUMP=/tmp/sqldump npx jest --selectProjects e2e
 *   npm run sql:report -- /tmp/sqldump [--json]
 *
 * The dump is what test/setup/sql-tenant-filter.ts writes: `<pid>.jsonl` lines `{file, sql, late}`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  excerpt,
  loadSqlParser,
  shortSql,
  temporaryTables,
  tenantFilterViolations,
  Violation,
} from './sql-tenant-filter';

interface Sent {
  files: Set<string>;
  /** Only ever sent after the file's check ran (its own afterAll hooks). */
  late: boolean;
}

export interface ReportEntry {
  sql: string;
  files: string[];
  late: boolean;
  violations: Violation[];
}

/** The distinct statements of a dump directory, each with the files that sent it. */
export function readDump(dir: string): Map<string, Sent> {
  const sent = new Map<string, Sent>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line) continue;
      const { file, sql, late } = JSON.parse(line) as { file: string; sql: string; late: boolean };
      const entry = sent.get(sql) ?? { files: new Set<string>(), late: true };
      entry.files.add(file);
      entry.late &&= late;
      sent.set(sql, entry);
    }
  }
  return sent;
}

/**
 * The violating statements of a dump. A statement is judged once per set of temporary tables
 * its files created (almost always none), as the per-file check judges it.
 */
export async function report(dir: string): Promise<ReportEntry[]> {
  await loadSqlParser();
  const sent = readDump(dir);
  const temporaryOf = new Map<string, string[]>();
  for (const [sql, { files }] of sent) {
    for (const file of files) {
      temporaryOf.set(file, [...(temporaryOf.get(file) ?? []), ...temporaryTables(sql)]);
    }
  }
  const entries: ReportEntry[] = [];
  for (const [sql, { files, late }] of sent) {
    const byTemporary = new Map<string, { violations: Violation[]; files: string[] }>();
    for (const file of files) {
      const temporary = temporaryOf.get(file) ?? [];
      const key = [...new Set(temporary)].sort().join(',');
      const judged = byTemporary.get(key) ?? {
        violations: tenantFilterViolations(sql, { temporary }),
        files: [],
      };
      judged.files.push(file);
      byTemporary.set(key, judged);
    }
    const failing = [...byTemporary.values()].filter((j) => j.violations.length > 0);
    if (failing.length === 0) continue;
    entries.push({
      sql,
      files: failing.flatMap((j) => j.files).sort(),
      late,
      violations: failing[0].violations,
    });
  }
  return entries.sort((a, b) => a.sql.localeCompare(b.sql));
}

async function main(): Promise<void> {
  const [dir, flag] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: sql-tenant-filter-report <dump dir> [--json]');
    process.exit(2);
  }
  const total = readDump(dir).size;
  const entries = await report(dir);
  if (flag === '--json') {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  const lines = [`${entries.length} of ${total} distinct statements break the tenant-filter rule`];
  for (const e of entries) {
    lines.push('', `* ${shortSql(e.sql, 400)}`);
    for (const v of e.violations) {
      lines.push(
        `    - ${v.message}${v.at === undefined ? '' : `:\n        ${excerpt(e.sql, v.at)}`}`,
      );
    }
    lines.push(
      `    sent by: ${e.files.join(', ')}${e.late ? ' (only after the check: afterAll)' : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
