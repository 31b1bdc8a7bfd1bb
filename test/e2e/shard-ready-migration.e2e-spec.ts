/**
 * Migration 1795700000000-ShardReady over data made under the previous schema: sealed audit
 * chains (a tenant's and the platform scope's, whose events had a NULL tenant) still verify, a
 * user handle gets its user's tenant, and the platform's events still read as `tenantId: null`.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { GENESIS_HASH, seal, type ChainContent } from '../../src/audit/audit-chain';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { MIGRATIONS } from '../../src/database/migrations';
import { call, createKey, expectStatus } from '../support/api';
import { createEmptyDatabase } from '../support/empty-database';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-app';

const TENANT = 'shardmig';

/** Events sealed the way the previous schema's sealer did: `chain` named, NULL for the platform. */
async function sealedEvents(db: Client, tenantId: string | null, count: number): Promise<void> {
  let previous: Buffer = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const content: ChainContent = {
      id: randomUUID(),
      tenantId,
      seq,
      type: 'USER_LOCKED',
      actorKeyId: null,
      requestId: `req-${seq}`,
      ip: '192.0.2.1',
      occurredAt: `2026-11-0${seq}T10:00:00.123456Z`,
      details: { n: seq },
    };
    const { contentHash, chainHash } = seal(content, previous);
    await db.query(
      `INSERT INTO audit_events (id, tenant_id, type, actor_key_id, request_id, ip, occurred_at, details,
                                 chain, seq, content_hash, chain_hash)
       VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        content.id,
        tenantId,
        content.type,
        content.requestId,
        content.ip,
        content.occurredAt,
        content.details,
        tenantId ?? '*',
        seq,
        contentHash,
        chainHash,
      ],
    );
    previous = chainHash;
  }
  await db.query(
    `INSERT INTO audit_chains (chain, head_seq, head_hash, anchor_seq, anchor_hash)
     VALUES ($1, $2, $3, 0, $4)`,
    [tenantId ?? '*', count, previous, GENESIS_HASH],
  );
}

describe('the shard-ready migration over data of the previous schema', () => {
  let database: TestDatabase;
  let t: TestApp;
  let userId: string;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    // every migration before ShardReady, as a server of the previous release left its database
    const previous = new DataSource({
      ...dataSourceOptions(
        database.url,
        { poolSize: 1, connectTimeoutMs: 5000, statementTimeoutMs: 60000 },
        [],
      ),
      migrations: MIGRATIONS.filter((m) => m.name !== 'ShardReady1795700000000'),
    });
    await previous.initialize();
    await previous.runMigrations({ transaction: 'each' });
    await previous.destroy();

    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      // a tenant of the previous release, with three sealed events (its id has a history, so
      // the API would not create it again: its row is part of the old data)
      await db.query(
        `INSERT INTO tenants (id, name, max_stores, max_users, max_passkeys_per_user)
         VALUES ($1, 'Sealed before', 1, 10, 10)`,
        [TENANT],
      );
      await sealedEvents(db, TENANT, 3);
      await sealedEvents(db, null, 2);
      // a user with a handle (user_handles had no tenant); the tenant row comes later, by the API
      await db.query(
        `INSERT INTO tenants (id, name, max_stores, max_users, max_passkeys_per_user)
         VALUES ('shardmig-old', 'Old', 1, 10, 10)`,
      );
      const store = await db.query(
        `INSERT INTO stores (tenant_id, name, default_locale, default_time_zone, default_user_status,
                             max_failed_attempts, temp_lock_seconds, max_temp_locks_before_lock)
         VALUES ('shardmig-old', 'shop', 'en', 'UTC', 'ACTIVE', 5, 60, 0) RETURNING id`,
      );
      const rp = await db.query(
        `INSERT INTO relying_parties (tenant_id, store_id, rp_id, name, origins)
         VALUES ('shardmig-old', $1, 'localhost', 'x', '{}') RETURNING id`,
        [store.rows[0].id],
      );
      const user = await db.query(
        `INSERT INTO users (tenant_id, store_id, external_id, user_name, display_name, status, type, locale, time_zone)
         VALUES ('shardmig-old', $1, 'u1', 'u1', 'U1', 'ACTIVE', 'HUMAN', 'en', 'UTC') RETURNING id`,
        [store.rows[0].id],
      );
      userId = user.rows[0].id;
      await db.query(
        `INSERT INTO user_handles (user_id, relying_party_id, handle) VALUES ($1, $2, 'aGFuZGxl')`,
        [userId, rp.rows[0].id],
      );
    } finally {
      await db.end();
    }
    // the new release starts on it and migrates
    t = await createTestApp({ database });
  });
  afterAll(async () => {
    await t?.close();
    await database.drop();
  });

  it("a tenant's chain sealed before the migration verifies after it, and goes on", async () => {
    const admin = await createKey(t.app, TENANT, [`TNT#${TENANT}#IdentityStore:*`]);
    const res = await call(t.app, 'GET', '/api/identity-store/auditEvents/verify', {
      key: admin.key,
    });
    expectStatus(res, 200);
    // the three old events, then the new ones of this tenant (its key's creation) sealed after them
    expect(res.json()).toMatchObject({ ok: true, unsealed: 0 });
    expect(res.json().events).toBeGreaterThanOrEqual(3);
  });

  it("the platform scope's chain (events of a NULL tenant, now '*') verifies, and reads as null", async () => {
    const res = await call(t.app, 'GET', '/api/identity-store/platform/auditEvents/verify', {
      key: PLATFORM_KEY,
    });
    expectStatus(res, 200);
    expect(res.json()).toMatchObject({ ok: true, unsealed: 0 });
    const exported = await call(t.app, 'GET', '/api/identity-store/platform/auditEvents/export', {
      key: PLATFORM_KEY,
    });
    expectStatus(exported, 200);
    const lines = exported.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, 2).map((l) => [l.seq, l.tenantId, l.requestId])).toEqual([
      [1, null, 'req-1'],
      [2, null, 'req-2'],
    ]);
  });

  it("a user handle made before the migration carries its user's tenant", async () => {
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT tenant_id FROM user_handles WHERE user_id = $1', [
        userId,
      ]);
      expect(rows).toEqual([{ tenant_id: 'shardmig-old' }]);
    } finally {
      await db.end();
    }
  });
});
