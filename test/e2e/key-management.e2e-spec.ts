import { call, createKey, CreatedKey, expectStatus, tenantWithAdmin } from '../support/api';
import { registerPasskey } from '../support/ceremonies';
import { passkeyWorld } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Managing an API key is governed by the rule for granting one: the caller must hold every
 * permission the target key holds. ARCHIVED keys and REVOKED passkeys are end states.
 */
describe('key management: no escalation through another key, end states stay ended', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const keys = '/api/identity-store/apiKeys';
  const update = (caller: CreatedKey, target: CreatedKey, body: unknown) =>
    call(t.app, 'POST', `${keys}/${target.id}`, { key: caller.key, body });
  const statusOf = async (admin: CreatedKey, target: CreatedKey) =>
    (await call(t.app, 'GET', `${keys}/${target.id}`, { key: admin.key })).json().status;

  /** A tenant, its admin (`*`), a key holding only `ops`, and a blocked admin-strength victim. */
  async function world(ops: string[]) {
    const { tenant, admin } = await tenantWithAdmin(t.app, 'km');
    const weak = await createKey(
      t.app,
      tenant,
      ops.map((op) => `TNT#${tenant}#IdentityStore:${op}`),
    );
    const strong = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:*`]);
    expectStatus(await update(admin, strong, { status: 'BLOCKED' }), 200);
    return { tenant, admin, weak, strong };
  }

  describe('a key that expires cannot make access that outlives it', () => {
    const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

    it('it cannot remove or move its own expiry, nor make a key that expires later or never', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app, 'life');
      const expiring = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:*`], {
        expiresAt: hours(1),
      });
      for (const body of [{ expiresAt: null }, { expiresAt: hours(2) }]) {
        const problem = expectProblem(
          await update(expiring, expiring, body),
          403,
          'PERMISSION_ESCALATION',
        );
        expect(problem.errors?.[0]).toMatchObject({ field: 'expiresAt' });
      }
      const make = (extra: Record<string, unknown>) =>
        call(t.app, 'POST', keys, {
          key: expiring.key,
          body: { name: 'made', permissions: [`TNT#${tenant}#IdentityStore:getTenant`], ...extra },
        });
      for (const extra of [{}, { expiresAt: null }, { expiresAt: hours(2) }])
        expectProblem(await make(extra), 403, 'PERMISSION_ESCALATION');
      // within its own lifetime it may do all of these
      expectStatus(await make({ expiresAt: hours(0.5) }), 201);
      expectStatus(await update(expiring, expiring, { expiresAt: hours(0.5) }), 200);
      // a key without expiry is not bound
      expectStatus(
        await call(t.app, 'POST', keys, {
          key: admin.key,
          body: { name: 'forever', permissions: [`TNT#${tenant}#IdentityStore:getTenant`] },
        }),
        201,
      );
    });

    it('it cannot make active again, or widen, a key that would outlive it', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app, 'life');
      const expiring = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:*`], {
        expiresAt: hours(1),
      });
      const lasting = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      expectStatus(await update(admin, lasting, { status: 'BLOCKED' }), 200);
      expectProblem(
        await update(expiring, lasting, { status: 'ACTIVE' }),
        403,
        'PERMISSION_ESCALATION',
      );
      expect(await statusOf(admin, lasting)).toBe('BLOCKED');
      // nor widen an active key that never expires (whose secret the caller may hold)
      const weak = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      expectProblem(
        await update(expiring, weak, { permissions: [`TNT#${tenant}#IdentityStore:*`] }),
        403,
        'PERMISSION_ESCALATION',
      );
      expectStatus(
        await update(expiring, weak, {
          permissions: [`TNT#${tenant}#IdentityStore:*`],
          expiresAt: hours(0.5),
        }),
        200,
      );
      expectStatus(
        await update(expiring, lasting, { status: 'ACTIVE', expiresAt: hours(0.5) }),
        200,
      );
    });
  });

  describe('a weak key cannot act on a stronger key', () => {
    it('a key holding only updateApiKey cannot reactivate a BLOCKED key holding IdentityStore:*', async () => {
      const { admin, weak, strong } = await world(['updateApiKey']);
      expectProblem(await update(weak, strong, { status: 'ACTIVE' }), 403, 'PERMISSION_ESCALATION');
      expect(await statusOf(admin, strong)).toBe('BLOCKED');
      // the blocked key is still refused
      expectProblem(await call(t.app, 'GET', keys, { key: strong.key }), 401, 'UNAUTHENTICATED');
    });

    it('nor block, prolong, rename or narrow it', async () => {
      const { tenant, admin, weak } = await world(['updateApiKey', 'getTenant']);
      const active = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:*`]);
      for (const body of [
        { status: 'BLOCKED' },
        { status: 'ARCHIVED' },
        { expiresAt: null },
        { expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
        { permissions: [`TNT#${tenant}#IdentityStore:getTenant`] },
        { name: 'unused, delete me' },
      ]) {
        expectProblem(await update(weak, active, body), 403, 'PERMISSION_ESCALATION');
      }
      const after = (await call(t.app, 'GET', `${keys}/${active.id}`, { key: admin.key })).json();
      expect(after).toMatchObject({
        status: 'ACTIVE',
        permissions: [`TNT#${tenant}#IdentityStore:*`],
      });
    });

    it('a key holding only deleteApiKey cannot delete a stronger key', async () => {
      const { admin, weak, strong } = await world(['deleteApiKey']);
      expectProblem(
        await call(t.app, 'DELETE', `${keys}/${strong.id}`, { key: weak.key }),
        403,
        'PERMISSION_ESCALATION',
      );
      expect(await statusOf(admin, strong)).toBe('BLOCKED');
    });

    it('a key may still manage keys it covers, and itself', async () => {
      const { tenant, weak } = await world(['updateApiKey', 'deleteApiKey', 'getTenant']);
      const peer = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      expectStatus(await update(weak, peer, { status: 'BLOCKED' }), 200);
      expectStatus(await update(weak, peer, { status: 'ACTIVE', expiresAt: null }), 200);
      expectStatus(await update(weak, weak, { name: 'renamed' }), 200);
      expectStatus(await call(t.app, 'DELETE', `${keys}/${peer.id}`, { key: weak.key }), 204);
    });

    it('the admin (holding everything the target holds) reactivates the blocked key', async () => {
      const { admin, strong } = await world([]);
      expectStatus(await update(admin, strong, { status: 'ACTIVE' }), 200);
      expectStatus(await call(t.app, 'GET', keys, { key: strong.key }), 200);
    });
  });

  describe('ARCHIVED is an end state', () => {
    it.each(['ACTIVE', 'BLOCKED'])(
      'an ARCHIVED key cannot become %s (API_KEY_ARCHIVED)',
      async (to) => {
        const { tenant, admin } = await world([]);
        const key = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
        expectStatus(await update(admin, key, { status: 'ARCHIVED' }), 200);
        expectProblem(await update(admin, key, { status: to }), 409, 'API_KEY_ARCHIVED');
        expect(await statusOf(admin, key)).toBe('ARCHIVED');
        expectProblem(
          await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: key.key }),
          401,
          'UNAUTHENTICATED',
        );
      },
    );

    it('an ARCHIVED key keeps its permissions and expiry, but can be renamed or deleted', async () => {
      const { tenant, admin } = await world([]);
      const key = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      expectStatus(await update(admin, key, { status: 'ARCHIVED' }), 200);
      expectProblem(
        await update(admin, key, { permissions: [`TNT#${tenant}#IdentityStore:*`] }),
        409,
        'API_KEY_ARCHIVED',
      );
      expectProblem(await update(admin, key, { expiresAt: null }), 409, 'API_KEY_ARCHIVED');
      expect((await update(admin, key, { name: 'old', status: 'ARCHIVED' })).json()).toMatchObject({
        name: 'old',
        status: 'ARCHIVED',
      });
      expectStatus(await call(t.app, 'DELETE', `${keys}/${key.id}`, { key: admin.key }), 204);
    });
  });

  describe('REVOKED passkeys are an end state', () => {
    async function revokedPasskey() {
      const w = await passkeyWorld(t.app);
      const user = await w.newUser();
      const reg = await registerPasskey(t.app, w, new SoftAuthenticator(), user.id);
      const byId = `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`;
      const byExt = `${w.storeUrl}/users/${user.externalId}/passkeys/${reg.passkeyId}/ext`;
      expectStatus(
        await call(t.app, 'POST', byId, { key: w.key, body: { status: 'REVOKED' } }),
        200,
      );
      return { w, byId, byExt };
    }

    it.each(['ACTIVE', 'SUSPENDED'])(
      'a REVOKED passkey cannot become %s again, by user id or external id (PASSKEY_REVOKED)',
      async (to) => {
        const { w, byId, byExt } = await revokedPasskey();
        for (const url of [byId, byExt]) {
          expectProblem(
            await call(t.app, 'POST', url, { key: w.key, body: { status: to } }),
            409,
            'PASSKEY_REVOKED',
          );
        }
        expect((await call(t.app, 'GET', byId, { key: w.key })).json().status).toBe('REVOKED');
      },
    );

    it('a REVOKED passkey may still be renamed and deleted; SUSPENDED still returns to ACTIVE', async () => {
      const { w, byId } = await revokedPasskey();
      const renamed = await call(t.app, 'POST', byId, {
        key: w.key,
        body: { displayName: 'Lost phone' },
      });
      expect(renamed.json()).toMatchObject({ displayName: 'Lost phone', status: 'REVOKED' });
      expectStatus(await call(t.app, 'DELETE', byId, { key: w.key }), 204);

      const user = await w.newUser();
      const reg = await registerPasskey(t.app, w, new SoftAuthenticator(), user.id);
      const url = `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`;
      expectStatus(
        await call(t.app, 'POST', url, { key: w.key, body: { status: 'SUSPENDED' } }),
        200,
      );
      const back = await call(t.app, 'POST', url, { key: w.key, body: { status: 'ACTIVE' } });
      expect(back.json().status).toBe('ACTIVE');
    });
  });
});
