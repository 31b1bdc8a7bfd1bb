/**
 * How each table of the schema would be placed on PostgreSQL distributed by tenant (Citus;
 * docs/scaling.md, step 4). One place for the rule, read by the schema's catalog test and by the
 * test over the SQL the suites send:
 *
 * - every table of the `public` schema that is not listed below is **tenant-owned**
 *   (distributed by `tenant_id`): `tenant_id` is NOT NULL, leads its primary key and every
 *   unique constraint and index, and every foreign key to another tenant-owned table includes
 *   it on both sides; every statement on it filters by `tenant_id`, or says why not (a
 *   `cross-tenant: <reason>` comment in the statement, the reason a key of
 *   `CROSS_TENANT_REASONS`);
 * - a **reference** table has no tenant column in its key and is copied whole to every node;
 * - a **local** table stays on the coordinator only.
 */
export const DISTRIBUTION_COLUMN = 'tenant_id';

/** Tables copied whole to every node, and why they have no tenant in their key. */
export const REFERENCE_TABLES: Readonly<Record<string, string>> = {
  tenants: 'the tenants themselves: read with every API key, rarely written',
  api_keys:
    'looked up by key id alone on every request, before the tenant is known; platform keys have no tenant',
  signing_keys: "the platform's token keys: no tenant",
  authenticator_metadata: 'FIDO metadata (AAGUIDs): shared by every tenant',
  metadata_blobs: 'the FIDO metadata BLOB: one row, no tenant',
  passage_apps: 'the keyless Passage routes find the tenant by the app id alone',
};

/** Tables that stay on the coordinator (not distributed, not replicated), and why. */
export const LOCAL_TABLES: Readonly<Record<string, string>> = {
  rate_limits:
    'lease counters of keys and of client IPs (the browser routes have no tenant): one upsert per lease',
  migrations: "TypeORM's record of applied migrations: migrations run on the coordinator",
};

/** A table that is distributed by tenant (anything not declared reference or local). */
export function isTenantOwned(table: string): boolean {
  return !(table in REFERENCE_TABLES) && !(table in LOCAL_TABLES);
}

/**
 * Why a statement may touch a tenant-owned table without filtering by `tenant_id`. Declared where
 * the statement is written, as a SQL comment `/* cross-tenant: <key> *\/` (a QueryBuilder's
 * `.comment('cross-tenant: <key>')` writes it); the test over the SQL the suites send
 * (test/support/sql-tenant-filter.ts) accepts only these keys. On PostgreSQL distributed by
 * tenant such a statement runs on every shard.
 */
export const CROSS_TENANT_REASONS: Readonly<Record<string, string>> = {
  'platform-job':
    'a platform job over every tenant: the purge, the audit sealer, the webhook dispatcher claim and the retention run',
  capability:
    'a keyless browser route finds a step-up transaction by its unguessable id, the only thing the browser holds',
};
