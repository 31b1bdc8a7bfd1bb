import type { Client } from 'pg';
import {
  DISTRIBUTION_COLUMN,
  isTenantOwned,
  LOCAL_TABLES,
  REFERENCE_TABLES,
} from '../../src/database/distribution';

/** What the rule reads of PostgreSQL's catalog (schema `public`). */
export interface Catalog {
  /** `tenantType`: the type of its tenant_id column (all must be equal to be colocated). */
  tables: { name: string; tenantColumn: 'NOT NULL' | 'NULL' | null; tenantType: string | null }[];
  /**
   * Primary keys, unique constraints and indexes, and exclusion constraints, with their key
   * columns (not INCLUDE columns); `columns` null where one is an expression.
   */
  keys: {
    table: string;
    name: string;
    kind: 'primary key' | 'unique' | 'exclusion';
    columns: string[] | null;
  }[];
  foreignKeys: {
    table: string;
    name: string;
    columns: string[];
    parent: string;
    parentColumns: string[];
  }[];
}

/** Reads the catalog of the database `client` is connected to (inside its transaction, if any). */
export async function readCatalog(client: Client): Promise<Catalog> {
  const tables = await client.query(
    `SELECT c.relname AS name,
            (SELECT CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END
               FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped) AS "tenantColumn",
            (SELECT format_type(a.atttypid, a.atttypmod)
               FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped) AS "tenantType"
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
      ORDER BY 1`,
    [DISTRIBUTION_COLUMN],
  );
  // every unique or exclusion index (a primary key and a unique or exclusion constraint are
  // backed by one), with its key columns (the first indnkeyatts: INCLUDE columns do not count)
  const keys = await client.query(
    `SELECT c.relname AS table, ic.relname AS name,
            CASE WHEN i.indisprimary THEN 'primary key'
                 WHEN i.indisexclusion THEN 'exclusion' ELSE 'unique' END AS kind,
            CASE WHEN 0 = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]) THEN NULL
                 ELSE (SELECT array_agg(a.attname::text ORDER BY k.n)
                         FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum)
            END AS columns
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE c.relnamespace = 'public'::regnamespace AND (i.indisunique OR i.indisexclusion)
      ORDER BY 1, 2`,
  );
  const foreignKeys = await client.query(
    `SELECT c.relname AS table, con.conname AS name, p.relname AS parent,
            (SELECT array_agg(a.attname::text ORDER BY k.n)
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY k.n)
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS "parentColumns"
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_class p ON p.oid = con.confrelid
      WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace
      ORDER BY 1, 2`,
  );
  return { tables: tables.rows, keys: keys.rows, foreignKeys: foreignKeys.rows };
}

type Placement = 'tenant-owned' | 'reference' | 'local';

function placementOf(table: string): Placement {
  if (table in REFERENCE_TABLES) return 'reference';
  if (table in LOCAL_TABLES) return 'local';
  return 'tenant-owned';
}

/**
 * Where the schema breaks the rule of src/database/distribution.ts (what PostgreSQL distributed
 * by tenant requires): one line per table or constraint, empty when the schema is shard-ready.
 */
export function shardReadinessViolations(catalog: Catalog): string[] {
  const violations: string[] = [];
  const existing = new Set(catalog.tables.map((t) => t.name));
  for (const declared of [...Object.keys(REFERENCE_TABLES), ...Object.keys(LOCAL_TABLES)]) {
    if (!existing.has(declared)) {
      violations.push(`${declared}: declared in distribution.ts but there is no such table`);
    }
  }
  const tenantOwned = catalog.tables.filter((t) => isTenantOwned(t.name));
  for (const table of tenantOwned) {
    if (table.tenantColumn !== 'NOT NULL') {
      violations.push(
        `${table.name}: a tenant-owned table needs a NOT NULL ${DISTRIBUTION_COLUMN} ` +
          `(${table.tenantColumn === null ? 'it has none' : 'it is nullable'}); or declare it a ` +
          `reference or local table in src/database/distribution.ts`,
      );
    }
    if (!catalog.keys.some((k) => k.table === table.name && k.kind === 'primary key')) {
      violations.push(`${table.name}: a tenant-owned table needs a primary key`);
    }
  }
  const types = new Set(tenantOwned.map((t) => t.tenantType).filter((t) => t !== null));
  if (types.size > 1) {
    violations.push(
      `${DISTRIBUTION_COLUMN} has different types across tenant-owned tables (${[...types].join(', ')}): ` +
        'colocated tables need one type',
    );
  }
  for (const key of catalog.keys) {
    if (!isTenantOwned(key.table)) continue;
    if (!key.columns?.includes(DISTRIBUTION_COLUMN)) {
      violations.push(
        `${key.table}.${key.name}: the ${key.kind} of a tenant-owned table must include ` +
          `${DISTRIBUTION_COLUMN} (it has ${key.columns ? `(${key.columns.join(', ')})` : 'an expression'})`,
      );
    }
  }
  for (const fk of catalog.foreignKeys) {
    const from = placementOf(fk.table);
    const to = placementOf(fk.parent);
    const name = `${fk.table}.${fk.name} → ${fk.parent}`;
    if (from === 'tenant-owned' && to === 'tenant-owned') {
      const at = fk.columns.indexOf(DISTRIBUTION_COLUMN);
      if (at < 0 || fk.parentColumns[at] !== DISTRIBUTION_COLUMN) {
        violations.push(
          `${name}: a foreign key between tenant-owned tables must pair ${DISTRIBUTION_COLUMN} ` +
            `with ${DISTRIBUTION_COLUMN} (it is (${fk.columns.join(', ')}) → (${fk.parentColumns.join(', ')}))`,
        );
      }
    } else if (from !== to && !(from === 'tenant-owned' && to === 'reference')) {
      violations.push(
        `${name}: a ${from} table cannot have a foreign key to a ${to} table ` +
          `(only tenant-owned → reference crosses placements)`,
      );
    }
  }
  return violations;
}
