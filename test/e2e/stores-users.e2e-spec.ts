import { Client } from 'pg';
import { call, createKey, createTenant, expectStatus, tenantWithAdmin } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, TestApp } from '../support/test-app';

describe('stores and users', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    ({
      admin: { key },
    } = await tenantWithAdmin(t.app));
  });
  afterAll(() => t.close());

  const post = (url: string, body: unknown, k = key) => call(t.app, 'POST', url, { key: k, body });
  const get = (url: string, k = key) => call(t.app, 'GET', url, { key: k });
  const stores = '/api/identity-store/stores';

  function expectField(
    res: Awaited<ReturnType<typeof post>>,
    field: string,
    code = 'VALIDATION_FAILED',
    status = 400,
  ) {
    const problem = expectProblem(res, status, code);
    if (code === 'VALIDATION_FAILED') expect(problem.errors!.map((e) => e.field)).toContain(field);
    return problem;
  }

  describe('stores', () => {
    it('creates with defaults, reads, lists, updates and deletes', async () => {
      const created = await post(stores, { name: 'crud-store' });
      expectStatus(created, 201);
      expect(created.json()).toMatchObject({
        name: 'crud-store',
        defaultLocale: 'en-US',
        defaultTimeZone: 'UTC',
        defaultUserStatus: 'ACTIVE',
        lockConfiguration: {
          maxFailedAttempts: 5,
          tempLockSeconds: 300,
          maxTempLocksBeforeLock: 3,
        },
        userCount: 0,
      });
      expectStatus(await get(`${stores}/crud-store`), 200);
      expect((await get(stores)).json().content.map((s: { name: string }) => s.name)).toContain(
        'crud-store',
      );
      const updated = await post(`${stores}/crud-store`, {
        defaultTimeZone: 'Europe/Berlin',
        lockConfiguration: { maxFailedAttempts: 3 },
      });
      expectStatus(updated, 200);
      expect(updated.json()).toMatchObject({
        defaultTimeZone: 'Europe/Berlin',
        lockConfiguration: { maxFailedAttempts: 3, tempLockSeconds: 300 },
      });
      expectStatus(await call(t.app, 'DELETE', `${stores}/crud-store`, { key }), 204);
      expectProblem(await get(`${stores}/crud-store`), 404, 'STORE_NOT_FOUND');
    });

    it.each([
      ['name', { name: 'a/b' }],
      ['name', { name: '.hidden' }],
      ['name', { name: 'x'.repeat(64) }],
      ['name', { name: '' }],
      ['defaultTimeZone', { name: 's1', defaultTimeZone: 'Mars/Olympus_Mons' }],
      ['defaultLocale', { name: 's1', defaultLocale: 'english!' }],
      ['defaultUserStatus', { name: 's1', defaultUserStatus: 'LOCKED' }],
      [
        'lockConfiguration.maxFailedAttempts',
        { name: 's1', lockConfiguration: { maxFailedAttempts: 0 } },
      ],
      [
        'lockConfiguration.tempLockSeconds',
        { name: 's1', lockConfiguration: { tempLockSeconds: 0 } },
      ],
      [
        'lockConfiguration.maxTempLocksBeforeLock',
        { name: 's1', lockConfiguration: { maxTempLocksBeforeLock: -1 } },
      ],
    ])('rejects a bad %s', async (field, body) => {
      expectField(await post(stores, body), field);
    });

    // a tag Intl accepts, longer than the column (varchar(35)): was a 500 (found by review)
    const longLocale = 'en-aaaaa-bbbbb-ccccc-ddddd-eeeee-fffff';

    it('refuses a valid language tag longer than 35 characters, on create and update (not a 500)', async () => {
      expect(Intl.getCanonicalLocales(longLocale)).toHaveLength(1);
      expectField(
        await post(stores, { name: 'long-locale', defaultLocale: longLocale }),
        'defaultLocale',
      );
      expectStatus(await post(stores, { name: 'long-locale' }), 201);
      expectField(
        await post(`${stores}/long-locale`, { defaultLocale: longLocale }),
        'defaultLocale',
      );
      const users = `${stores}/long-locale/users`;
      expectField(
        await post(users, { externalId: 'l1', userName: 'l1', locale: longLocale }),
        'locale',
      );
      const user = await post(users, { externalId: 'l1', userName: 'l1', locale: 'en-US' });
      expectStatus(user, 201);
      expectField(await post(`${users}/${user.json().id}`, { locale: longLocale }), 'locale');
    });

    it('refuses a duplicate name with STORE_ALREADY_EXISTS', async () => {
      expectStatus(await post(stores, { name: 'dup-store' }), 201);
      expectField(await post(stores, { name: 'dup-store' }), 'name', 'STORE_ALREADY_EXISTS', 409);
    });

    it("enforces the tenant's maxStores with MAX_STORES_EXCEEDED", async () => {
      const small = await createTenant(t.app, undefined, { maxStores: 2 });
      const k = (await createKey(t.app, small, [`TNT#${small}#IdentityStore:*`])).key;
      expectStatus(await post(stores, { name: 'one' }, k), 201);
      expectStatus(await post(stores, { name: 'two' }, k), 201);
      expectProblem(await post(stores, { name: 'three' }, k), 409, 'MAX_STORES_EXCEEDED');
      const limits = (await get('/api/identity-store/limits', k)).json();
      expect(limits).toMatchObject({
        tenantId: small,
        limits: { maxStores: 2 },
        usage: { stores: 2, users: 0 },
      });
    });
  });

  describe('users', () => {
    const users = `${stores}/people/users`;
    beforeAll(async () => {
      expectStatus(
        await post(stores, {
          name: 'people',
          defaultLocale: 'de-DE',
          defaultTimeZone: 'Europe/Berlin',
        }),
        201,
      );
    });

    it('creations and deletions in one store at once: no deadlock, exact counts (the store row, then the tenant row, everywhere)', async () => {
      const { admin } = await tenantWithAdmin(t.app, 'churn');
      const k = admin.key;
      expectStatus(await post(stores, { name: 'churn' }, k), 201);
      const churn = `${stores}/churn/users`;
      const old = [];
      for (let i = 0; i < 25; i++) {
        const res = await post(churn, { externalId: `old-${i}`, userName: `old-${i}` }, k);
        expectStatus(res, 201);
        old.push(res.json().id as string);
      }
      const answers = await Promise.all([
        ...old.map((id) => call(t.app, 'DELETE', `${churn}/${id}`, { key: k })),
        ...old.map((_, i) => post(churn, { externalId: `new-${i}`, userName: `new-${i}` }, k)),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([
        ...Array(25).fill(201),
        ...Array(25).fill(204),
      ]);
      expect((await get('/api/identity-store/limits', k)).json().usage.users).toBe(25);
      expect((await get(`${stores}/churn`, k)).json().userCount).toBe(25);
    });

    it('creates with store defaults and reads back by id and by external id', async () => {
      const created = await post(users, { externalId: 'cust-1', userName: 'Jane@Example.com' });
      expectStatus(created, 201);
      const user = created.json();
      expect(user).toMatchObject({
        externalId: 'cust-1',
        displayName: 'Jane@Example.com',
        status: 'ACTIVE',
        locale: 'de-DE',
        timeZone: 'Europe/Berlin',
        type: 'USER',
        attributes: {},
        lock: { failedAttempts: 0, lockCount: 0, tempLockedUntil: null },
      });
      expect((await get(`${users}/${user.id}`)).json()).toEqual(user);
      expect((await get(`${users}/cust-1/ext`)).json()).toEqual(user);
    });

    it('updates and deletes by either address', async () => {
      const user = (await post(users, { externalId: 'cust-2', userName: 'bob' })).json();
      const byId = await post(`${users}/${user.id}`, {
        displayName: 'Bob B.',
        attributes: { tier: 'gold' },
      });
      expect(byId.json()).toMatchObject({ displayName: 'Bob B.', attributes: { tier: 'gold' } });
      const byExt = await post(`${users}/cust-2/ext`, { firstName: 'Bob' });
      expect(byExt.json()).toMatchObject({ firstName: 'Bob', displayName: 'Bob B.' });
      expectStatus(await call(t.app, 'DELETE', `${users}/cust-2/ext`, { key }), 204);
      expectProblem(await get(`${users}/${user.id}`), 404, 'USER_NOT_FOUND');
      const other = (await post(users, { externalId: 'cust-3', userName: 'carol' })).json();
      expectStatus(await call(t.app, 'DELETE', `${users}/${other.id}`, { key }), 204);
      expectProblem(await get(`${users}/cust-3/ext`), 404, 'USER_NOT_FOUND');
    });

    it('refuses a duplicate external id with EXT_ID_NOT_UNIQUE, on create and on update', async () => {
      await post(users, { externalId: 'dup-ext', userName: 'a' });
      const other = (await post(users, { externalId: 'dup-ext-2', userName: 'b' })).json();
      expectField(
        await post(users, { externalId: 'dup-ext', userName: 'c' }),
        'externalId',
        'EXT_ID_NOT_UNIQUE',
        409,
      );
      expectField(
        await post(`${users}/${other.id}`, { externalId: 'dup-ext' }),
        'externalId',
        'EXT_ID_NOT_UNIQUE',
        409,
      );
    });

    it.each([
      ['externalId', { externalId: 'has space', userName: 'u' }],
      ['externalId', { externalId: 'a/b', userName: 'u' }],
      ['externalId', { externalId: '', userName: 'u' }],
      ['userName', { externalId: 'v1', userName: '' }],
      ['userName', { externalId: 'v1' }],
      ['email', { externalId: 'v1', userName: 'u', email: 'not-an-email' }],
      ['status', { externalId: 'v1', userName: 'u', status: 'SLEEPING' }],
      ['timeZone', { externalId: 'v1', userName: 'u', timeZone: 'Nowhere/Land' }],
      ['locale', { externalId: 'v1', userName: 'u', locale: '12' }],
      ['attributes', { externalId: 'v1', userName: 'u', attributes: { n: 1 } }],
      ['attributes', { externalId: 'v1', userName: 'u', attributes: ['a'] }],
      ['type', { externalId: 'v1', userName: 'u', type: 'two words' }],
    ])('rejects a bad %s', async (field, body) => {
      expectField(await post(users, body), field);
    });

    it('rejects a malformed user id in the path', async () => {
      const problem = expectField(await get(`${users}/not-a-uuid`), 'userId');
      expect(problem.errors![0].in).toBe('path');
    });

    it('answers STORE_NOT_FOUND and USER_NOT_FOUND separately', async () => {
      expectProblem(await get(`${stores}/nope/users/cust-1/ext`), 404, 'STORE_NOT_FOUND');
      expectProblem(await get(`${users}/nobody/ext`), 404, 'USER_NOT_FOUND');
    });

    it('unlocking by update clears the failure counters', async () => {
      const user = (await post(users, { externalId: 'locked-1', userName: 'l' })).json();
      const db = new Client({ connectionString: t.database.url });
      await db.connect();
      await db.query(
        "UPDATE users SET status = 'LOCKED', failed_attempts = 4, lock_count = 3 WHERE id = $1",
        [user.id],
      );
      await db.end();
      expect((await get(`${users}/${user.id}`)).json()).toMatchObject({
        status: 'LOCKED',
        lock: { failedAttempts: 4, lockCount: 3 },
      });
      const unlocked = await post(`${users}/${user.id}`, { status: 'ACTIVE' });
      expect(unlocked.json()).toMatchObject({
        status: 'ACTIVE',
        lock: { failedAttempts: 0, lockCount: 0, tempLockedUntil: null },
      });
      const temp = await post(`${users}/${user.id}`, { status: 'TEMP_LOCKED' });
      expect(Date.parse(temp.json().lock.tempLockedUntil)).toBeGreaterThan(Date.now() + 200_000);
    });

    it('an administrator lifting a lock writes USER_UNLOCKED with who did it; other updates do not', async () => {
      const user = (await post(users, { externalId: 'locked-2', userName: 'l' })).json();
      const db = new Client({ connectionString: t.database.url });
      await db.connect();
      await db.query("UPDATE users SET status = 'LOCKED' WHERE id = $1", [user.id]);
      await db.end();
      const unlockedEvents = async () =>
        (await get('/api/identity-store/auditEvents?type=USER_UNLOCKED&size=100'))
          .json()
          .content.filter((e: { details: { userId: string } }) => e.details.userId === user.id);
      expectStatus(await post(`${users}/${user.id}`, { displayName: 'Still locked' }), 200);
      expect(await unlockedEvents()).toEqual([]);
      expectStatus(await post(`${users}/${user.id}`, { status: 'ACTIVE' }), 200);
      expect(await unlockedEvents()).toEqual([
        expect.objectContaining({
          type: 'USER_UNLOCKED',
          actorKeyId: expect.any(String),
          details: { userId: user.id, from: 'LOCKED', to: 'ACTIVE' },
        }),
      ]);
      // an ACTIVE user set ACTIVE again lifts nothing
      expectStatus(await post(`${users}/${user.id}`, { status: 'ACTIVE' }), 200);
      expect(await unlockedEvents()).toHaveLength(1);
    });

    it('status changes by an administrator are judged on the status in effect (review)', async () => {
      const user = (await post(users, { externalId: 'locked-3', userName: 'l' })).json();
      const db = new Client({ connectionString: t.database.url });
      await db.connect();
      const events = async (type: string) =>
        (await get(`/api/identity-store/auditEvents?type=${type}&size=100`))
          .json()
          .content.filter((e: { details: { userId: string } }) => e.details.userId === user.id);
      try {
        // a lock left for DISABLED is an unlock saying where to; DISABLED → ACTIVE is none
        await db.query("UPDATE users SET status = 'LOCKED' WHERE id = $1", [user.id]);
        expectStatus(await post(`${users}/${user.id}`, { status: 'DISABLED' }), 200);
        expectStatus(await post(`${users}/${user.id}`, { status: 'ACTIVE' }), 200);
        expect(await events('USER_UNLOCKED')).toEqual([
          expect.objectContaining({
            details: expect.objectContaining({ from: 'LOCKED', to: 'DISABLED' }),
          }),
        ]);
        // a temp lock that has ended shows ACTIVE, is listed ACTIVE, and locking it is a lock
        await db.query(
          `UPDATE users SET status = 'TEMP_LOCKED', failed_attempts = 4,
                  temp_locked_until = now() - interval '1 minute' WHERE id = $1`,
          [user.id],
        );
        expect((await get(`${users}/${user.id}`)).json().status).toBe('ACTIVE');
        const listed = async (status: string) =>
          (await get(`${users}?status=${status}&size=100`))
            .json()
            .content.map((u: { id: string }) => u.id);
        expect(await listed('ACTIVE')).toContain(user.id);
        expect(await listed('TEMP_LOCKED')).not.toContain(user.id);
        expectStatus(await post(`${users}/${user.id}`, { status: 'TEMP_LOCKED' }), 200);
        expect(await events('USER_TEMP_LOCKED')).toEqual([
          expect.objectContaining({ details: expect.objectContaining({ from: 'ACTIVE' }) }),
        ]);
        expect(await listed('TEMP_LOCKED')).toContain(user.id);
        // setting ACTIVE clears the counters whatever the status before (the route says so)
        await db.query("UPDATE users SET status = 'ACTIVE', failed_attempts = 4 WHERE id = $1", [
          user.id,
        ]);
        const active = await post(`${users}/${user.id}`, { status: 'ACTIVE' });
        expect(active.json().lock).toMatchObject({ failedAttempts: 0, lockCount: 0 });
      } finally {
        await db.end();
      }
    });

    it('free text finds names as PostgreSQL lowercases them (İ, final sigma); empty filters are refused', async () => {
      expectStatus(await post(stores, { name: 'unicode' }), 201);
      const u = `${stores}/unicode/users`;
      expectStatus(await post(u, { externalId: 'tr-1', userName: 'İbrahim' }), 201);
      expectStatus(await post(u, { externalId: 'gr-1', userName: 'ΟΔΥΣΣΕΥΣ' }), 201);
      for (const [q, id] of [
        ['İbrahim', 'tr-1'],
        ['ΟΔΥΣ', 'gr-1'],
        ['ΟΔΥΣΣΕΥΣ', 'gr-1'],
        ['οδυσ', 'gr-1'],
      ]) {
        const found = (await get(`${u}?q=${encodeURIComponent(q)}`)).json().content;
        expect([q, found.map((x: { externalId: string }) => x.externalId)]).toEqual([q, [id]]);
      }
      // an empty filter was silently no filter: the whole store
      expectField(await get(`${u}?externalId=`), 'externalId');
      expectField(await get(`${u}?userName=`), 'userName');
      // "." and ".." are path segments URL clients remove: such a user could not be reached
      expectField(await post(u, { externalId: '..', userName: 'x' }), 'externalId');
      expectField(await post(u, { externalId: '.', userName: 'x' }), 'externalId');
      expectStatus(await post(u, { externalId: '...', userName: 'x' }), 201);
    });

    it('lists a documented page with filters on externalId, status, userName and free text', async () => {
      expectStatus(await post(stores, { name: 'listing' }), 201);
      const u = `${stores}/listing/users`;
      for (let i = 0; i < 5; i++) {
        await post(u, {
          externalId: `l-${i}`,
          userName: `User${i}@Example.com`,
          displayName: `Person ${i}`,
          email: `p${i}@mail.test`,
        });
      }
      await post(u, { externalId: 'l-x', userName: 'xavier', status: 'DISABLED' });
      const page = (await get(`${u}?size=2&page=1&sort=externalId,asc`)).json();
      expect(page).toMatchObject({
        totalElements: 6,
        totalPages: 3,
        number: 1,
        size: 2,
        first: false,
        last: false,
        empty: false,
      });
      expect(page.content.map((x: { externalId: string }) => x.externalId)).toEqual(['l-2', 'l-3']);
      const ids = async (q: string) =>
        (await get(`${u}?${q}`))
          .json()
          .content.map((x: { externalId: string }) => x.externalId)
          .sort();
      expect(await ids('externalId=l-3')).toEqual(['l-3']);
      expect(await ids('status=DISABLED')).toEqual(['l-x']);
      expect(await ids('userName=user4@example.COM')).toEqual(['l-4']);
      expect(await ids('q=person%201')).toEqual(['l-1']);
      expect(await ids('q=P2%40mail')).toEqual(['l-2']);
      expect(await ids('q=l-x')).toEqual(['l-x']);
      expect(await ids('q=%25')).toEqual([]); // LIKE wildcards are literal
      const filtered = (await get(`${u}?status=ACTIVE&size=2`)).json();
      expect(filtered).toMatchObject({ totalElements: 5, totalPages: 3 });
      expectField(await get(`${u}?sort=email,asc`), 'sort');
      expectField(await get(`${u}?size=1000`), 'size');
      expectField(await get(`${u}?status=NOPE`), 'status');
    });

    it('enforces maxUsers across all stores of the tenant with MAX_USERS_EXCEEDED', async () => {
      const small = await createTenant(t.app, undefined, { maxUsers: 2 });
      const k = (await createKey(t.app, small, [`TNT#${small}#IdentityStore:*`])).key;
      await post(stores, { name: 'a' }, k);
      await post(stores, { name: 'b' }, k);
      expectStatus(await post(`${stores}/a/users`, { externalId: '1', userName: 'x' }, k), 201);
      expectStatus(await post(`${stores}/b/users`, { externalId: '2', userName: 'y' }, k), 201);
      expectProblem(
        await post(`${stores}/b/users`, { externalId: '3', userName: 'z' }, k),
        409,
        'MAX_USERS_EXCEEDED',
      );
      // a failed create (duplicate) does not consume the quota; a delete frees it
      await call(t.app, 'DELETE', `${stores}/a/users/1/ext`, { key: k });
      expectProblem(
        await post(`${stores}/b/users`, { externalId: '2', userName: 'dup' }, k),
        409,
        'EXT_ID_NOT_UNIQUE',
      );
      expectStatus(await post(`${stores}/b/users`, { externalId: '3', userName: 'z' }, k), 201);
      expect((await get('/api/identity-store/limits', k)).json().usage).toEqual({
        stores: 2,
        users: 2,
      });
      // deleting a store gives back its users
      expectStatus(await call(t.app, 'DELETE', `${stores}/b`, { key: k }), 204);
      expect((await get('/api/identity-store/limits', k)).json().usage).toEqual({
        stores: 1,
        users: 0,
      });
    });

    it('enforces maxUsers under concurrent creation', async () => {
      const small = await createTenant(t.app, undefined, { maxUsers: 5 });
      const k = (await createKey(t.app, small, [`TNT#${small}#IdentityStore:*`])).key;
      await post(stores, { name: 'race' }, k);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(`${stores}/race/users`, { externalId: `r${i}`, userName: 'r' }, k),
        ),
      );
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(5);
      expect(results.filter((r) => r.statusCode === 409)).toHaveLength(15);
    });
  });
});
