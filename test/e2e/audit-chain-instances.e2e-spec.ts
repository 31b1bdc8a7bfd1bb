/**
 * The audit chains under load from two instances on one database: events written concurrently
 * through both (ceremony statements and TypeORM inserts, two tenants), sealed by the background
 * sealers of both instances while they are written, form gapless chains that verify.
 */
import { Client } from 'pg';
import { call, expectStatus } from '../support/api';
import { regStartUrl } from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { createTestApp, TestApp } from '../support/test-app';

const SEAL_EVERY_MS = 25;

describe('audit chains written by two instances at once', () => {
  let a: TestApp;
  let b: TestApp;
  let db: Client;

  beforeAll(async () => {
    a = await createTestApp({ config: { auditSealIntervalMs: SEAL_EVERY_MS } });
    b = await createTestApp({
      database: a.database,
      config: { auditSealIntervalMs: SEAL_EVERY_MS },
    });
    db = new Client({ connectionString: a.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await b.app.close();
    await a.close();
  });

  /** Runs `tasks` with `width` of them in flight. */
  async function pool(tasks: (() => Promise<void>)[], width: number): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < tasks.length) await tasks[next++]();
      }),
    );
  }

  /** One event through `app`: a registration start (ceremony SQL) or a key rename (TypeORM). */
  function eventTask(app: TestApp, w: World, userId: string, keyId: string, i: number) {
    return async () => {
      const res =
        i % 2 === 0
          ? await call(app.app, 'POST', regStartUrl(w, userId, 'default'), { key: w.key, body: {} })
          : await call(app.app, 'POST', `/api/identity-store/apiKeys/${keyId}`, {
              key: w.key,
              body: { description: `rename ${i}` },
            });
      expect([200, 201]).toContain(res.statusCode);
    };
  }

  it('1,000 events through A and B at once: sealed in the background, gapless, verified', async () => {
    const one = await passkeyWorld(a.app);
    const two = await passkeyWorld(b.app);
    const keyOf = async (w: World) =>
      (await call(a.app, 'GET', '/api/identity-store/apiKeys?size=1', { key: w.key })).json()
        .content[0].id as string;
    const worlds = [
      { w: one, user: (await one.newUser()).id, keyId: await keyOf(one), n: 1000 },
      { w: two, user: (await two.newUser()).id, keyId: await keyOf(two), n: 200 },
    ];
    const tasks = worlds.flatMap(({ w, user, keyId, n }) =>
      Array.from({ length: n }, (_, i) => eventTask(i % 2 ? b : a, w, user, keyId, i)),
    );
    // interleave the tenants
    tasks.sort(() => Math.random() - 0.5);
    await pool(tasks, 16);

    // the timers of A and B seal everything without being asked
    const unsealed = async () =>
      (await db.query('SELECT count(*)::int AS n FROM audit_events WHERE seq IS NULL')).rows[0].n;
    const deadline = Date.now() + 10_000;
    while ((await unsealed()) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SEAL_EVERY_MS));
    }
    expect(await unsealed()).toBe(0);

    const { rows } = await db.query(
      `SELECT tenant_id, count(*)::int AS n, min(seq)::int AS first, max(seq)::int AS last,
              count(DISTINCT seq)::int AS distinct_seqs
         FROM audit_events WHERE tenant_id = ANY($1) GROUP BY tenant_id`,
      [[one.tenant, two.tenant]],
    );
    for (const row of rows) {
      expect(row).toEqual({ ...row, first: 1, last: row.n, distinct_seqs: row.n });
    }

    for (const [{ w, n }, app] of [
      [worlds[0], b],
      [worlds[1], a],
    ] as const) {
      const res = await call(app.app, 'GET', '/api/identity-store/auditEvents/verify', {
        key: w.key,
      });
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({ ok: true, unsealed: 0 });
      expect(res.json().events).toBeGreaterThan(n);
    }
  }, 120_000);
});
