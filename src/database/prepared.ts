import { DataSource, type EntityManager } from 'typeorm';
import { poolOf } from './data-source-options';

/**
 * A named prepared statement of the hot path. PostgreSQL parses and plans it once per
 * connection instead of on every call: planning the ceremony statements was ~1.2 ms of
 * PostgreSQL CPU per authentication, more than executing them (bench/RESULTS.md).
 *
 * The text must list its columns (no `*`): a prepared statement whose result type changes
 * under a migration fails with "cached plan must not change result type".
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const declared = new Map<string, string>();

/** Declares a statement once, at module load; a name always means one text. */
export function prepared(name: string, text: string): PreparedStatement {
  const existing = declared.get(name);
  if (existing !== undefined && existing !== text) {
    throw new Error(`prepared statement ${name} is declared twice with different texts`);
  }
  if (/\bRETURNING\s+(\w+\.)?\*/i.test(text) || /\bSELECT\s+(\w+\.)?\*/i.test(text)) {
    throw new Error(`prepared statement ${name} must list its columns`);
  }
  declared.set(name, text);
  return { name, text };
}

/**
 * Runs it. On a DataSource (no transaction) straight on the pool: TypeORM would make a query
 * runner per call. In a transaction through the EntityManager, so TypeORM's connection, release
 * checks and error wrapping apply: node-postgres takes a `{ name, text }` config where a text
 * goes, and prepares it on the connection the first time. Results are shaped as TypeORM's
 * `query` shapes them (an UPDATE or DELETE gives `[rows, affected]`).
 */
export async function runPrepared<T>(
  on: DataSource | EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T> {
  const pool = on instanceof DataSource ? poolOf(on) : undefined;
  // a fresh config each call: node-postgres writes the values into the object it is given
  const config = { name: statement.name, text: statement.text };
  if (!pool) return on.query(config as unknown as string, values) as Promise<T>;
  const result = await pool.query({ ...config, values });
  return (
    result.command === 'UPDATE' || result.command === 'DELETE'
      ? [result.rows, result.rowCount]
      : result.rows
  ) as T;
}
