/**
 * The schema is shard-ready (issue 18, docs/scaling.md step 4): read from PostgreSQL's catalog
 * after every migration, each tenant-owned table has a NOT NULL tenant_id in its primary key and
 * in every unique constraint and index, foreign keys between tenant-owned tables pair tenant_id
 * with tenant_id, and every other table is declared reference or local in
 * src/database/distribution.ts. A new table or constraint that breaks the rule fails here.
 */
import { Client } from 'pg';
import { call, expectStatus } from '../support/api';
import { passkeyWorld, World } from '../support/passkey-world';
import { readCatalog, shardReadinessViolations } from '../support/shard-readiness';
import { createTestApp, createTestDatabase, TestApp, TestDatabase } from '../support/test-app';

describe('a shard-ready schema (tenant_id in every key of a tenant-owned table)', () => {
  let database: TestDatabase;
  let db: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  it('the migrated schema breaks no rule', async () => {
    expect(shardReadinessViolations(await readCatalog(db))).toEqual([]);
  });

  /** The catalog as it would be after `ddl` (run and rolled back in one transaction). */
  async function violationsAfter(ddl: string): Promise<string[]> {
    await db.query('BEGIN');
    try {
      await db.query(ddl);
      return shardReadinessViolations(await readCatalog(db));
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it('fails on a new table created without tenant_id in its key', async () => {
    expect(
      await violationsAfter(
        `CREATE TABLE widgets (id uuid PRIMARY KEY, tenant_id varchar(63) NOT NULL, name text)`,
      ),
    ).toEqual([
      'widgets.widgets_pkey: the primary key of a tenant-owned table must include tenant_id (it has (id))',
    ]);
  });

  it('fails on a new table with no tenant_id at all, or a nullable one', async () => {
    expect(await violationsAfter(`CREATE TABLE gadgets (id uuid PRIMARY KEY)`)).toEqual([
      expect.stringMatching(
        /^gadgets: a tenant-owned table needs a NOT NULL tenant_id \(it has none\)/,
      ),
      expect.stringMatching(/^gadgets\.gadgets_pkey: the primary key/),
    ]);
    expect(
      await violationsAfter(
        `CREATE TABLE gadgets (tenant_id varchar(63), id uuid, PRIMARY KEY (id))`,
      ),
    ).toContainEqual(expect.stringMatching(/^gadgets: .* \(it is nullable\)/));
  });

  it('fails on a unique index, and a foreign key, of a tenant-owned table without tenant_id', async () => {
    expect(
      await violationsAfter(
        `CREATE UNIQUE INDEX ux_passkeys_credential ON passkeys (credential_id)`,
      ),
    ).toEqual([
      'passkeys.ux_passkeys_credential: the unique of a tenant-owned table must include tenant_id (it has (credential_id))',
    ]);
    expect(
      await violationsAfter(`CREATE UNIQUE INDEX ux_users_lower_name ON users (lower(user_name))`),
    ).toEqual([expect.stringContaining('(it has an expression)')]);
    expect(
      await violationsAfter(
        `ALTER TABLE passkeys ADD CONSTRAINT fk_bare FOREIGN KEY (tenant_id, store_id) REFERENCES stores (tenant_id, id);
         CREATE UNIQUE INDEX ux_users_id ON users (id);
         ALTER TABLE ceremony_sessions ADD CONSTRAINT fk_by_id FOREIGN KEY (user_id) REFERENCES users (id)`,
      ),
    ).toEqual([
      'users.ux_users_id: the unique of a tenant-owned table must include tenant_id (it has (id))',
      'ceremony_sessions.fk_by_id → users: a foreign key between tenant-owned tables must pair tenant_id with tenant_id (it is (user_id) → (id))',
    ]);
  });

  it('fails on a key whose tenant_id is only an INCLUDE column, an exclusion constraint, or another tenant_id type', async () => {
    expect(
      await violationsAfter(`CREATE UNIQUE INDEX ux_users_id ON users (id) INCLUDE (tenant_id)`),
    ).toEqual([
      'users.ux_users_id: the unique of a tenant-owned table must include tenant_id (it has (id))',
    ]);
    expect(
      await violationsAfter(
        `ALTER TABLE passkeys ADD CONSTRAINT ex_credential EXCLUDE (credential_id WITH =)`,
      ),
    ).toEqual([
      'passkeys.ex_credential: the exclusion of a tenant-owned table must include tenant_id (it has (credential_id))',
    ]);
    expect(
      await violationsAfter(
        `CREATE TABLE widgets (tenant_id text NOT NULL, id uuid, PRIMARY KEY (tenant_id, id))`,
      ),
    ).toEqual([expect.stringMatching(/^tenant_id has different types across tenant-owned tables/)]);
  });

  it('fails on a reference table pointing into a tenant-owned one', async () => {
    expect(
      await violationsAfter(
        `ALTER TABLE passage_apps ADD CONSTRAINT fk_app_store FOREIGN KEY (tenant_id, store_id)
           REFERENCES stores (tenant_id, id)`,
      ),
    ).toEqual([
      'passage_apps.fk_app_store → stores: a reference table cannot have a foreign key to a tenant-owned table (only tenant-owned → reference crosses placements)',
    ]);
  });

  it('the browser capability (a step-up transaction by its id alone) is found through an index', async () => {
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL enable_seqscan = off');
      const plan = JSON.stringify(
        (
          await db.query(
            `EXPLAIN (FORMAT JSON) SELECT * FROM step_up_transactions WHERE id = 'some-transaction-id'`,
          )
        ).rows,
      );
      expect(plan).toContain('ix_step_up_transactions_id');
    } finally {
      await db.query('ROLLBACK');
    }
  });

  it('a composite foreign key refuses a child whose tenant is not its parent’s', async () => {
    await db.query('BEGIN');
    try {
      await db.query(
        `INSERT INTO tenants (id, name, max_stores, max_users, max_passkeys_per_user)
         VALUES ('shard-a', 'A', 1, 1, 1), ('shard-b', 'B', 1, 1, 1)`,
      );
      const {
        rows: [store],
      } = await db.query(
        `INSERT INTO stores (tenant_id, name, default_locale, default_time_zone, default_user_status,
                             max_failed_attempts, temp_lock_seconds, max_temp_locks_before_lock)
         VALUES ('shard-a', 'main', 'en', 'UTC', 'ACTIVE', 5, 60, 0) RETURNING id`,
      );
      await expect(
        db.query(
          `INSERT INTO users (tenant_id, store_id, external_id, user_name, display_name, status, type, locale, time_zone)
           VALUES ('shard-b', $1, 'x', 'x', 'x', 'ACTIVE', 'HUMAN', 'en', 'UTC')`,
          [store.id],
        ),
      ).rejects.toThrow(/violates foreign key constraint "fk_users_store"/);
    } finally {
      await db.query('ROLLBACK');
    }
  });
});

describe('Passage apps go with their store or relying party (no foreign key from a reference table)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('deleting a relying party, or a store, deletes their Passage apps in the same statement', async () => {
    const addApp = async (world: World) =>
      expectStatus(
        await call(t.app, 'POST', `${world.rpUrl}/passageApps`, {
          key: world.key,
          body: { registrationPolicy: 'default', authenticationPolicy: 'default' },
        }),
        201,
      );
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const count = async (world: World) =>
        Number(
          (await db.query('SELECT count(*) FROM passage_apps WHERE tenant_id = $1', [world.tenant]))
            .rows[0].count,
        );
      const one = await passkeyWorld(t.app);
      await addApp(one);
      expect(await count(one)).toBe(1);
      expectStatus(await call(t.app, 'DELETE', one.rpUrl, { key: one.key }), 204);
      expect(await count(one)).toBe(0);
      const two = await passkeyWorld(t.app);
      await addApp(two);
      expect(await count(two)).toBe(1);
      expectStatus(await call(t.app, 'DELETE', two.storeUrl, { key: two.key }), 204);
      expect(await count(two)).toBe(0);
    } finally {
      await db.end();
    }
  });
  describe('with no foreign key, a lock on the relying party stands in for one', () => {
    const appBody = { registrationPolicy: 'default', authenticationPolicy: 'default' };
    let db: Client;
    beforeEach(async () => {
      db = new Client({ connectionString: t.database.url });
      await db.connect();
    });
    afterEach(() => db.end());
    const rpRow = async (world: World) =>
      (
        await db.query(
          `SELECT rp.id, rp.store_id FROM relying_parties rp JOIN stores s
              ON s.tenant_id = rp.tenant_id AND s.id = rp.store_id
            WHERE rp.tenant_id = $1 AND s.name = 'shop' AND rp.rp_id = 'localhost'`,
          [world.tenant],
        )
      ).rows[0] as { id: string; store_id: string };
    const appsOf = async (world: World) =>
      Number(
        (await db.query('SELECT count(*) FROM passage_apps WHERE tenant_id = $1', [world.tenant]))
          .rows[0].count,
      );
    /**
     * Resolves once PostgreSQL shows a backend of the app waiting for a lock. Polled inside an
     * open transaction, which keeps its first view of pg_stat_activity: cleared before each poll.
     */
    const waitingForALock = async () => {
      for (let i = 0; i < 200; i++) {
        await db.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0].n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('nothing waited for the lock');
    };

    it('an app created while its relying party is being deleted: the delete takes it too', async () => {
      const world = await passkeyWorld(t.app);
      const rp = await rpRow(world);
      // what PassageRepository.insert does, held open: the relying party's row, then the app
      await db.query('BEGIN');
      await db.query(
        'SELECT 1 FROM relying_parties WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE',
        [world.tenant, rp.id],
      );
      await db.query(
        `INSERT INTO passage_apps (app_id, tenant_id, name, store_id, relying_party_id,
                                   registration_policy, authentication_policy)
         VALUES ($1, $2, 'racing', $3, $4, 'default', 'default')`,
        [`race-${world.tenant}`, world.tenant, rp.store_id, rp.id],
      );
      const deleting = call(t.app, 'DELETE', world.rpUrl, { key: world.key });
      await waitingForALock();
      await db.query('COMMIT');
      expectStatus(await deleting, 204);
      expect(await appsOf(world)).toBe(0);
    });

    it('an app created after its relying party was deleted (not yet committed): 404, no app', async () => {
      const world = await passkeyWorld(t.app);
      const rp = await rpRow(world);
      await db.query('BEGIN');
      await db.query('DELETE FROM relying_parties WHERE tenant_id = $1 AND id = $2', [
        world.tenant,
        rp.id,
      ]);
      const creating = call(t.app, 'POST', `${world.rpUrl}/passageApps`, {
        key: world.key,
        body: appBody,
      });
      await waitingForALock();
      await db.query('COMMIT');
      const created = await creating;
      expectStatus(created, 404);
      expect(created.json().code).toBe('RELYING_PARTY_NOT_FOUND');
      expect(await appsOf(world)).toBe(0);
    });
  });
});
