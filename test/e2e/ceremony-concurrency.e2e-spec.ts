/**
 * A completion reads without locks, verifies, then claims the session and writes its outcome in
 * one statement, only if the user and passkey rows are still the versions it judged. These tests
 * change those rows while a completion (authentication or registration) is in flight (held at the outcome statement by a row lock
 * taken from a second connection) and check that the change wins.
 */
import { Client } from 'pg';
import { call, expectStatus } from '../support/api';
import {
  authSessionUrl,
  authStartUrl,
  completeAuthentication,
  completeRegistration,
  registerPasskey,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

describe('ceremony completions under concurrent changes', () => {
  let t: TestApp;
  let w: World;
  let db: Client;
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  async function enrolled(device = new SoftAuthenticator()) {
    const user = await w.newUser();
    const reg = await registerPasskey(t.app, w, device, user.id);
    return { user, device, passkeyId: reg.passkeyId };
  }

  async function inFlight(userId: string, device: SoftAuthenticator) {
    const started = await start(t.app, w.key, authStartUrl(w, userId, 'default'));
    const response = device.authenticate(started.clientRequest as never, w.origin);
    return { sessionId: started.sessionId, response };
  }

  async function underLock(
    table: 'users' | 'passkeys',
    id: string,
    change: string,
    work: () => Promise<unknown>,
  ) {
    await db.query('BEGIN');
    await db.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
    const pending = work();
    try {
      await waitingForLocks(1);
      await db.query(`UPDATE ${table} SET ${change} WHERE id = $1`, [id]);
    } finally {
      await db.query('COMMIT');
    }
    return pending;
  }

  it('a user locked while their completion is in flight is not signed in', async () => {
    const { user, device } = await enrolled();
    const { sessionId, response } = await inFlight(user.id, device);
    const res = (await underLock('users', user.id, "status = 'LOCKED'", () =>
      completeAuthentication(t.app, w, sessionId, response),
    )) as Awaited<ReturnType<typeof completeAuthentication>>;
    expectProblem(res, 403, 'USER_LOCKED');
    const session = await call(t.app, 'GET', authSessionUrl(w, sessionId), { key: w.key });
    expect(session.json()).toMatchObject({ status: 'FAILED', failure: { code: 'USER_LOCKED' } });
  });

  it('a passkey revoked while its completion is in flight does not authenticate', async () => {
    const { user, device, passkeyId } = await enrolled();
    const { sessionId, response } = await inFlight(user.id, device);
    const res = (await underLock('passkeys', passkeyId, "status = 'REVOKED'", () =>
      completeAuthentication(t.app, w, sessionId, response),
    )) as Awaited<ReturnType<typeof completeAuthentication>>;
    expectProblem(res, 400, 'PASSKEY_NOT_ACTIVE');
    const passkeys = (
      await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, { key: w.key })
    ).json().content;
    expect(passkeys[0]).toMatchObject({ status: 'REVOKED', useCount: 0 });
  });

  it('a user disabled while their registration is in flight gets no passkey', async () => {
    const user = await w.newUser();
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const response = new SoftAuthenticator().register(started.clientRequest as never, w.origin);
    const res = (await underLock('users', user.id, "status = 'DISABLED'", () =>
      completeRegistration(t.app, w, started.sessionId, response),
    )) as Awaited<ReturnType<typeof completeRegistration>>;
    expectProblem(res, 403, 'USER_DISABLED');
    const passkeys = await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, {
      key: w.key,
    });
    expect(passkeys.json().content).toEqual([]);
  });

  it.each(['DISABLED', 'LOCKED'])(
    'a counted failure recorded after an administrator %s the user keeps that state (no temp lock that expires)',
    async (status) => {
      // one failure short of a temp lock; the failure (signed, without the UV the policy
      // requires) is judged on the ACTIVE user, then waits for the user's row, held here while
      // the administrator's change commits
      const { user, device } = await enrolled();
      await db.query(
        `UPDATE users SET failed_attempts = s.max_failed_attempts - 1 FROM stores s
          WHERE s.id = users.store_id AND users.id = $1`,
        [user.id],
      );
      const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
      const bad = device.authenticate(started.clientRequest as never, w.origin, {
        userVerified: false,
      });
      const res = (await underLock('users', user.id, `status = '${status}'`, () =>
        completeAuthentication(t.app, w, started.sessionId, bad),
      )) as Awaited<ReturnType<typeof completeAuthentication>>;
      expectProblem(res, 400, 'USER_VERIFICATION_REQUIRED');
      const after = await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}`, { key: w.key });
      expect(after.json()).toMatchObject({ status });
      const { rows } = await db.query('SELECT status, temp_locked_until FROM users WHERE id = $1', [
        user.id,
      ]);
      expect(rows[0]).toEqual({ status, temp_locked_until: null });
    },
  );

  it("a start racing its user's deletion is a 503 TRANSIENT_CONFLICT to retry (then 404), not a 500", async () => {
    // the start reads the user, then inserts its session: the deletion, uncommitted here, makes
    // the session's foreign key check wait for the user's row, which is gone when it commits
    const { user } = await enrolled();
    await db.query('BEGIN');
    await db.query('DELETE FROM users WHERE id = $1', [user.id]);
    const pending = call(t.app, 'POST', authStartUrl(w, user.id, 'default'), {
      key: w.key,
      body: {},
    });
    try {
      await waitingForLocks(1);
    } finally {
      await db.query('COMMIT');
    }
    const res = await pending;
    expectProblem(res, 503, 'TRANSIENT_CONFLICT');
    expect(res.headers['retry-after']).toBe('1');
    expectProblem(
      await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key: w.key, body: {} }),
      404,
      'USER_NOT_FOUND',
    );
  });

  /**
   * Waits until `n` other backends wait for a row lock. It polls from inside the test's open
   * transaction, where PostgreSQL keeps the first view of pg_stat_activity until the transaction
   * ends: each poll clears that snapshot first, or completions arriving after the first poll are
   * never seen.
   */
  async function waitingForLocks(n: number): Promise<void> {
    for (let i = 0; i < 300; i++) {
      await db.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND datname = current_database()`,
      );
      if (rows[0].n >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`fewer than ${n} completions came to wait for the row lock`);
  }

  it('a success and a counted failure of one session, released together, never deadlock', async () => {
    // Both answers are signed by the user's passkey; one lacks the UV the policy requires (a
    // failure that counts). Both wait on the user's row, held here, then race: one wins, the
    // other is told the session is used up. No 5xx, whatever the order.
    for (let round = 0; round < 4; round++) {
      const { user, device } = await enrolled(new SoftAuthenticator({ counterStep: 0 }));
      const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
      const good = device.authenticate(started.clientRequest as never, w.origin);
      const bad = device.authenticate(started.clientRequest as never, w.origin, {
        userVerified: false,
      });
      await db.query('BEGIN');
      await db.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      const results = [
        completeAuthentication(t.app, w, started.sessionId, good),
        completeAuthentication(t.app, w, started.sessionId, bad),
      ];
      try {
        await waitingForLocks(2);
      } finally {
        await db.query('COMMIT');
      }
      const [a, b] = await Promise.all(results);
      const outcomes = [a, b]
        .map((r) => (r.statusCode === 200 ? 'OK' : `${r.statusCode} ${r.json().code}`))
        .sort();
      expect([
        ['409 SESSION_ALREADY_COMPLETED', 'OK'],
        ['400 USER_VERIFICATION_REQUIRED', '409 SESSION_ALREADY_COMPLETED'],
      ]).toContainEqual(outcomes);
    }
  });

  it('parallel sign-ins of one user with one counter-less passkey all succeed, each counted once', async () => {
    const { user, device } = await enrolled(new SoftAuthenticator({ counterStep: 0 }));
    const flights = [];
    for (let i = 0; i < 8; i++) flights.push(await inFlight(user.id, device));
    const results = await Promise.all(
      flights.map((f) => completeAuthentication(t.app, w, f.sessionId, f.response)),
    );
    for (const res of results) expectStatus(res, 200);
    const passkeys = (
      await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, { key: w.key })
    ).json().content;
    expect(passkeys[0].useCount).toBe(8);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE type = 'PASSKEY_AUTHENTICATION_SUCCEEDED' AND details->>'userId' = $1`,
      [user.id],
    );
    expect(rows[0].n).toBe(8);
  });
});
