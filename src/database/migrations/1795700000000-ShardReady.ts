import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenant-owned tables whose primary key was a bare id, and their new key. */
const KEYS: [table: string, columns: string][] = [
  ['stores', '"tenant_id", "id"'],
  ['relying_parties', '"tenant_id", "id"'],
  ['authentication_policies', '"tenant_id", "id"'],
  ['registration_policies', '"tenant_id", "id"'],
  ['users', '"tenant_id", "id"'],
  ['passkeys', '"tenant_id", "id"'],
  ['ceremony_sessions', '"tenant_id", "id"'],
  ['step_up_transactions', '"tenant_id", "id"'],
  ['audit_events', '"tenant_id", "id"'],
  ['nonces', '"tenant_id", "hash"'],
  ['user_handles', '"tenant_id", "user_id", "relying_party_id"'],
  ['audit_chains', '"tenant_id"'],
];

/** Unique indexes that gain the tenant (dropped and made again under the same name). */
const UNIQUES: [name: string, table: string, oldColumns: string, newColumns: string][] = [
  [
    'uq_relying_parties_store_rp_id',
    'relying_parties',
    '"store_id", "rp_id"',
    '"tenant_id", "store_id", "rp_id"',
  ],
  [
    'uq_authentication_policies_rp_name',
    'authentication_policies',
    '"relying_party_id", "name"',
    '"tenant_id", "relying_party_id", "name"',
  ],
  [
    'uq_registration_policies_rp_name',
    'registration_policies',
    '"relying_party_id", "name"',
    '"tenant_id", "relying_party_id", "name"',
  ],
  [
    'uq_users_store_external_id',
    'users',
    '"store_id", "external_id"',
    '"tenant_id", "store_id", "external_id"',
  ],
  [
    'uq_passkeys_rp_credential',
    'passkeys',
    '"relying_party_id", "credential_id"',
    '"tenant_id", "relying_party_id", "credential_id"',
  ],
  [
    'uq_user_handles_rp_handle',
    'user_handles',
    '"relying_party_id", "handle"',
    '"tenant_id", "relying_party_id", "handle"',
  ],
];

/** Indexes that led with a parent id and now lead with the tenant. */
const INDEXES: [name: string, table: string, oldColumns: string, newColumns: string][] = [
  [
    'ix_users_store_created',
    'users',
    '"store_id", "created_at", "id"',
    '"tenant_id", "store_id", "created_at", "id"',
  ],
  [
    'ix_users_store_status_created',
    'users',
    '"store_id", "status", "created_at", "id"',
    '"tenant_id", "store_id", "status", "created_at", "id"',
  ],
  [
    'ix_users_store_user_name_lower',
    'users',
    '"store_id", lower("user_name") COLLATE "C"',
    '"tenant_id", "store_id", lower("user_name") COLLATE "C"',
  ],
  [
    'ix_users_store_email_lower',
    'users',
    '"store_id", lower("email") text_pattern_ops',
    '"tenant_id", "store_id", lower("email") text_pattern_ops',
  ],
  [
    'ix_users_store_display_name_lower',
    'users',
    '"store_id", lower("display_name") text_pattern_ops',
    '"tenant_id", "store_id", lower("display_name") text_pattern_ops',
  ],
  [
    'ix_passkeys_user_rp',
    'passkeys',
    '"user_id", "relying_party_id"',
    '"tenant_id", "user_id", "relying_party_id"',
  ],
];

/** Foreign keys between tenant-owned tables: [name, table, column, parent]. */
const FOREIGN_KEYS: [name: string, table: string, column: string, parent: string][] = [
  ['fk_relying_parties_store', 'relying_parties', 'store_id', 'stores'],
  [
    'fk_authentication_policies_rp',
    'authentication_policies',
    'relying_party_id',
    'relying_parties',
  ],
  ['fk_registration_policies_rp', 'registration_policies', 'relying_party_id', 'relying_parties'],
  ['fk_users_store', 'users', 'store_id', 'stores'],
  ['fk_ceremony_sessions_store', 'ceremony_sessions', 'store_id', 'stores'],
  ['fk_ceremony_sessions_rp', 'ceremony_sessions', 'relying_party_id', 'relying_parties'],
  ['fk_ceremony_sessions_user', 'ceremony_sessions', 'user_id', 'users'],
  ['fk_passkeys_rp', 'passkeys', 'relying_party_id', 'relying_parties'],
  ['fk_passkeys_user', 'passkeys', 'user_id', 'users'],
  ['fk_user_handles_user', 'user_handles', 'user_id', 'users'],
  ['fk_user_handles_rp', 'user_handles', 'relying_party_id', 'relying_parties'],
  ['fk_step_up_transactions_store', 'step_up_transactions', 'store_id', 'stores'],
  ['fk_step_up_transactions_rp', 'step_up_transactions', 'relying_party_id', 'relying_parties'],
  ['fk_step_up_transactions_user', 'step_up_transactions', 'user_id', 'users'],
];

/** The outbox trigger's function, with the platform scope named by its tenant `*` (was NULL). */
function outboxFunction(platform: string): string {
  return `CREATE OR REPLACE FUNCTION "webhook_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF ${platform} THEN
           RETURN NULL;
         END IF;
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
         SELECT e.tenant_id, e.id, NEW.id, NEW.type,
                jsonb_build_object(
                  'type', NEW.type,
                  'timestamp', to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'data', jsonb_build_object(
                    'id', NEW.id,
                    'type', NEW.type,
                    'tenantId', NEW.tenant_id,
                    'occurredAt', to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'actorKeyId', NEW.actor_key_id,
                    'requestId', NEW.request_id,
                    'details', NEW.details))::text
           FROM webhook_endpoints e
          WHERE e.tenant_id = NEW.tenant_id AND e.active
            AND (NEW.type = ANY (e.events) OR '*' = ANY (e.events))
            -- waits for an endpoint being deleted and then skips it (else the foreign key
            -- check fails once the delete commits: a 500 for the event's request)
            FOR KEY SHARE OF e;
         RETURN NULL;
       END
       $$`;
}

/**
 * A shard-ready schema (issue 18, docs/scaling.md step 4; the rule is src/database/distribution.ts):
 * every tenant-owned table has a NOT NULL `tenant_id` that leads its primary key and every unique
 * index, and every foreign key between tenant-owned tables includes it on both sides — what
 * PostgreSQL distributed by tenant (Citus) requires. Since every parent id belongs to one tenant,
 * no constraint becomes weaker, and a composite foreign key also refuses a child whose tenant is
 * not its parent's.
 *
 * - `user_handles` gets its tenant (from its user).
 * - Audit events of the platform scope get the tenant `*` (the name their chain already had)
 *   instead of NULL; `audit_events.chain` goes (it was always the tenant, or `*`), and
 *   `audit_chains.chain` is renamed `tenant_id`. Readers map `*` back to null, so the hashed
 *   content of every sealed event is unchanged.
 * - `passage_apps` (a reference table: app ids are global) loses its foreign keys to stores and
 *   relying parties (a reference table cannot point into a distributed one); deleting a store or
 *   relying party deletes its apps in the application, in the same transaction.
 *
 * Rewrites every index of these tables: on a big database run it in a maintenance window (or
 * build the new unique indexes CONCURRENTLY first and attach them with USING INDEX).
 *
 * NOT a rolling upgrade: instances of an earlier version fail on this schema (ON CONFLICT
 * targets, user_handles.tenant_id, audit_events.chain, the platform tenant). Stop them all before
 * the first new instance starts (docs/scaling.md, "Deploying a new version").
 */
export class ShardReady1795700000000 implements MigrationInterface {
  name = 'ShardReady1795700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "user_handles" ADD "tenant_id" character varying(63)`);
    await q.query(
      `UPDATE "user_handles" h SET "tenant_id" = u."tenant_id" FROM "users" u WHERE u."id" = h."user_id"`,
    );
    await q.query(`ALTER TABLE "user_handles" ALTER "tenant_id" SET NOT NULL`);

    await q.query(`UPDATE "audit_events" SET "tenant_id" = '*' WHERE "tenant_id" IS NULL`);
    await q.query(`ALTER TABLE "audit_events" ALTER "tenant_id" SET NOT NULL`);
    await q.query(`ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_sealed"`);
    await q.query(`DROP INDEX "ux_audit_events_chain_seq"`);
    await q.query(`ALTER TABLE "audit_events" DROP COLUMN "chain"`);
    await q.query(
      `ALTER TABLE "audit_events" ADD CONSTRAINT "ck_audit_events_sealed" CHECK (
         ("seq" IS NULL AND "content_hash" IS NULL AND "chain_hash" IS NULL)
         OR ("seq" IS NOT NULL AND "content_hash" IS NOT NULL AND "chain_hash" IS NOT NULL))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "ux_audit_events_chain_seq" ON "audit_events" ("tenant_id", "seq")
         WHERE "seq" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "audit_chains" RENAME "chain" TO "tenant_id"`);
    await q.query(outboxFunction(`NEW.tenant_id = '*'`));

    for (const [name, table] of FOREIGN_KEYS) {
      await q.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${name}"`);
    }
    await q.query(
      `ALTER TABLE "passage_apps" DROP CONSTRAINT "fk_passage_apps_store",
         DROP CONSTRAINT "fk_passage_apps_rp"`,
    );
    for (const [table, columns] of KEYS) {
      await q.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${await primaryKeyOf(q, table)}"`);
      await q.query(`ALTER TABLE "${table}" ADD CONSTRAINT "pk_${table}" PRIMARY KEY (${columns})`);
    }
    for (const [name, table, , columns] of [...UNIQUES, ...INDEXES]) {
      const unique = name.startsWith('uq_') ? 'UNIQUE ' : '';
      await q.query(`DROP INDEX "${name}"`);
      await q.query(`CREATE ${unique}INDEX "${name}" ON "${table}" (${columns})`);
    }
    // the keyless browser routes find a transaction by its id alone (their capability): the
    // primary key no longer leads with it
    await q.query(`CREATE INDEX "ix_step_up_transactions_id" ON "step_up_transactions" ("id")`);
    for (const [name, table, column, parent] of FOREIGN_KEYS) {
      await q.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("tenant_id", "${column}")
           REFERENCES "${parent}" ("tenant_id", "id") ON DELETE CASCADE`,
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_step_up_transactions_id"`);
    for (const [name, table] of FOREIGN_KEYS) {
      await q.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${name}"`);
    }
    for (const [name, table, columns] of [...UNIQUES, ...INDEXES]) {
      const unique = name.startsWith('uq_') ? 'UNIQUE ' : '';
      await q.query(`DROP INDEX "${name}"`);
      await q.query(`CREATE ${unique}INDEX "${name}" ON "${table}" (${columns})`);
    }
    for (const [table, columns] of KEYS) {
      const old = columns.replace('"tenant_id", ', '');
      await q.query(`ALTER TABLE "${table}" DROP CONSTRAINT "pk_${table}"`);
      if (table !== 'audit_chains') {
        await q.query(`ALTER TABLE "${table}" ADD CONSTRAINT "pk_${table}" PRIMARY KEY (${old})`);
      }
    }
    await q.query(`ALTER TABLE "audit_chains" RENAME "tenant_id" TO "chain"`);
    await q.query(
      `ALTER TABLE "audit_chains" ADD CONSTRAINT "pk_audit_chains" PRIMARY KEY ("chain")`,
    );
    for (const [name, table, column, parent] of FOREIGN_KEYS) {
      await q.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}")
           REFERENCES "${parent}" ("id") ON DELETE CASCADE`,
      );
    }
    await q.query(
      `ALTER TABLE "passage_apps"
         ADD CONSTRAINT "fk_passage_apps_store" FOREIGN KEY ("store_id") REFERENCES "stores" ("id") ON DELETE CASCADE,
         ADD CONSTRAINT "fk_passage_apps_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties" ("id") ON DELETE CASCADE`,
    );
    await q.query(outboxFunction(`NEW.tenant_id IS NULL`));
    await q.query(`DROP INDEX "ux_audit_events_chain_seq"`);
    await q.query(`ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_sealed"`);
    await q.query(`ALTER TABLE "audit_events" ADD "chain" character varying(63)`);
    await q.query(`UPDATE "audit_events" SET "chain" = "tenant_id" WHERE "seq" IS NOT NULL`);
    await q.query(`ALTER TABLE "audit_events" ALTER "tenant_id" DROP NOT NULL`);
    await q.query(`UPDATE "audit_events" SET "tenant_id" = NULL WHERE "tenant_id" = '*'`);
    await q.query(
      `ALTER TABLE "audit_events" ADD CONSTRAINT "ck_audit_events_sealed" CHECK (
         ("seq" IS NULL AND "chain" IS NULL AND "content_hash" IS NULL AND "chain_hash" IS NULL)
         OR ("seq" IS NOT NULL AND "chain" IS NOT NULL AND "content_hash" IS NOT NULL AND "chain_hash" IS NOT NULL))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "ux_audit_events_chain_seq" ON "audit_events" ("chain", "seq")
         WHERE "seq" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "user_handles" DROP COLUMN "tenant_id"`);
  }
}

/** The name of a table's primary key (the early migrations let TypeORM name them). */
async function primaryKeyOf(q: QueryRunner, table: string): Promise<string> {
  const [row] = await q.query(
    `SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
    [table],
  );
  return row.conname;
}
