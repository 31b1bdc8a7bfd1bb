/**
 * The updates of stores, users, relying parties, tenants and API keys, since their SQL moved into
 * the repositories (one tenant-scoped UPDATE of the fields that change, RETURNING updated_at):
 * the response is what a read returns afterwards, an update that changes nothing leaves the row
 * alone, renames keep their conflict codes, and another tenant's rows stay out of reach.
 */
import { call, createKey, createTenant, expectStatus, tenantWithAdmin } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

describe('repository updates', () => {
  let t: TestApp;
  let tenant: string;
  let key: string;
  let otherKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    ({
      tenant,
      admin: { key },
    } = await tenantWithAdmin(t.app));
    otherKey = (await tenantWithAdmin(t.app, 'other')).admin.key;
  });
  afterAll(() => t.close());

  const post = (url: string, body: unknown, k = key) => call(t.app, 'POST', url, { key: k, body });
  const get = (url: string, k = key) => call(t.app, 'GET', url, { key: k });
  const stores = '/api/identity-store/stores';
  const tick = () => new Promise((resolve) => setTimeout(resolve, 15));

  /** Updates twice: once changing `body`'s fields, once with the same values again. */
  async function updateTwice(url: string, body: Record<string, unknown>, k = key) {
    const before = (await get(url, k)).json();
    await tick();
    const changed = await post(url, body, k);
    expectStatus(changed, 200);
    expect(changed.json()).toEqual((await get(url, k)).json());
    expect(changed.json().updatedAt > before.updatedAt).toBe(true);
    await tick();
    const again = await post(url, body, k);
    expectStatus(again, 200);
    expect(again.json()).toEqual(changed.json());
    return changed.json();
  }

  it('a store update answers what a read returns; repeating it changes nothing', async () => {
    expectStatus(await post(stores, { name: 'upd-store' }), 201);
    const store = await updateTwice(`${stores}/upd-store`, {
      description: 'the shop',
      lockConfiguration: { tempLockSeconds: 60 },
    });
    expect(store).toMatchObject({
      description: 'the shop',
      lockConfiguration: { maxFailedAttempts: 5, tempLockSeconds: 60 },
    });
  });

  it('a store rename moves the store; onto a taken name it is STORE_ALREADY_EXISTS', async () => {
    expectStatus(await post(stores, { name: 'old-name' }), 201);
    expectStatus(await post(stores, { name: 'taken-name' }), 201);
    const renamed = await post(`${stores}/old-name`, { name: 'new-name' });
    expectStatus(renamed, 200);
    expect(renamed.json().name).toBe('new-name');
    expectProblem(await get(`${stores}/old-name`), 404, 'STORE_NOT_FOUND');
    expect((await get(`${stores}/new-name`)).json()).toEqual(renamed.json());
    const clash = expectProblem(
      await post(`${stores}/new-name`, { name: 'taken-name' }),
      409,
      'STORE_ALREADY_EXISTS',
    );
    expect(clash.errors!.map((e) => e.field)).toEqual(['name']);
    expect((await get(`${stores}/new-name`)).json()).toEqual(renamed.json());
  });

  it("another tenant's key cannot update or delete the store (STORE_NOT_FOUND)", async () => {
    expectStatus(await post(stores, { name: 'mine' }), 201);
    const mine = (await get(`${stores}/mine`)).json();
    expectProblem(
      await post(`${stores}/mine`, { description: 'x' }, otherKey),
      404,
      'STORE_NOT_FOUND',
    );
    expectProblem(
      await call(t.app, 'DELETE', `${stores}/mine`, { key: otherKey }),
      404,
      'STORE_NOT_FOUND',
    );
    expect((await get(`${stores}/mine`)).json()).toEqual(mine);
  });

  it('a user update answers what a read returns; a status change moves the lock fields', async () => {
    expectStatus(await post(stores, { name: 'upd-users' }), 201);
    const users = `${stores}/upd-users/users`;
    const created = await post(users, { externalId: 'u-1', userName: 'u1' });
    expectStatus(created, 201);
    const url = `${users}/${created.json().id}`;
    const user = await updateTwice(url, {
      displayName: 'User One',
      attributes: { tier: 'gold' },
    });
    expect(user).toMatchObject({ displayName: 'User One', attributes: { tier: 'gold' } });
    const locked = await post(url, { status: 'TEMP_LOCKED' });
    expectStatus(locked, 200);
    expect(locked.json().status).toBe('TEMP_LOCKED');
    expect(locked.json().lock.tempLockedUntil).not.toBeNull();
    expect((await get(url)).json()).toEqual(locked.json());
    const unlocked = await post(url, { status: 'ACTIVE' });
    expect(unlocked.json()).toMatchObject({ status: 'ACTIVE', lock: { tempLockedUntil: null } });
    expect((await get(url)).json()).toEqual(unlocked.json());
    expectProblem(await post(url, { displayName: 'x' }, otherKey), 404, 'STORE_NOT_FOUND');
  });

  it('the store and tenant user counters follow creates and deletes', async () => {
    const small = await createTenant(t.app, undefined, { maxUsers: 2 });
    const k = (await createKey(t.app, small, [`TNT#${small}#IdentityStore:*`])).key;
    expectStatus(await post(stores, { name: 'counted' }, k), 201);
    const users = `${stores}/counted/users`;
    expectStatus(await post(users, { externalId: 'a', userName: 'a' }, k), 201);
    expectStatus(await post(users, { externalId: 'b', userName: 'b' }, k), 201);
    expectProblem(
      await post(users, { externalId: 'c', userName: 'c' }, k),
      409,
      'MAX_USERS_EXCEEDED',
    );
    expect((await get(`${stores}/counted`, k)).json().userCount).toBe(2);
    expectStatus(await call(t.app, 'DELETE', `${users}/a/ext`, { key: k }), 204);
    expect((await get(`${stores}/counted`, k)).json().userCount).toBe(1);
    expect((await get('/api/identity-store/limits', k)).json().usage.users).toBe(1);
    expectStatus(await post(users, { externalId: 'c', userName: 'c' }, k), 201);
    expect((await get(users, k)).json().totalElements).toBe(2);
  });

  it('a relying-party update answers what a read returns; repeating it changes nothing', async () => {
    expectStatus(await post(stores, { name: 'upd-rps' }), 201);
    const rps = `${stores}/upd-rps/passkeys/relyingParties`;
    expectStatus(await post(rps, { rpId: 'example.com', name: 'Example' }), 201);
    const rp = await updateTwice(`${rps}/example.com`, {
      name: 'Example Inc',
      origins: ['https://login.example.com'],
    });
    expect(rp).toMatchObject({ name: 'Example Inc', origins: ['https://login.example.com'] });
    expectProblem(
      await post(`${rps}/example.com`, { name: 'x' }, otherKey),
      404,
      'STORE_NOT_FOUND',
    );
  });

  it('a tenant update answers what a read returns; repeating it changes nothing', async () => {
    const id = await createTenant(t.app);
    const url = `/api/identity-store/tenants/${id}`;
    const tenantRow = await updateTwice(
      url,
      { name: 'Renamed', limits: { maxStores: 3 }, rateLimits: { perIpPerMinute: 0 } },
      PLATFORM_KEY,
    );
    expect(tenantRow).toMatchObject({ name: 'Renamed', limits: { maxStores: 3 } });
  });

  it('an API-key update answers what a read returns; repeating it changes nothing', async () => {
    const created = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getStore`]);
    const url = `/api/identity-store/apiKeys/${created.id}`;
    const updated = await updateTwice(url, {
      description: 'reads stores',
      permissions: [`TNT#${tenant}#IdentityStore:listStores`],
    });
    expect(updated).toMatchObject({
      description: 'reads stores',
      permissions: [`TNT#${tenant}#IdentityStore:listStores`],
    });
    expectProblem(await post(url, { name: 'x' }, otherKey), 404, 'API_KEY_NOT_FOUND');
    expectProblem(await call(t.app, 'DELETE', url, { key: otherKey }), 404, 'API_KEY_NOT_FOUND');
    expectStatus(await get(url), 200);
  });
});
