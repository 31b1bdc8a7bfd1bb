/**
 * The hot ceremony routes look the API key up in their first statement
 * (`@KeyCheckedByFirstRead()`). Each test is an access rule those routes must keep exactly as
 * every other route does: a wrong, blocked or unknown key, a missing permission, another
 * tenant, a suspended tenant — each refused, and nothing written.
 */
import type { ApplicationConfig } from '@nestjs/core';
import { Client } from 'pg';
import { DeferredKeyCheckInterceptor } from '../../src/access/deferred-key-check.interceptor';
import { call, createKey, expectStatus, uniqueId } from '../support/api';
import {
  authSessionUrl,
  authStartExtUrl,
  authStartUrl,
  completeAuthentication,
  discoverableStartUrl,
  registerPasskey,
  regSessionUrl,
  regStartExtUrl,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

describe('API keys checked by the ceremony’s first statement', () => {
  let t: TestApp;
  let w: World;
  let other: World;
  let db: Client;
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
    other = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const sessions = async () =>
    Number((await db.query('SELECT count(*)::int AS n FROM ceremony_sessions')).rows[0].n);

  /** The key with its secret's last character changed (same key id, wrong secret). */
  const wrongSecret = (key: string) => key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');

  /** Every deferred route, as a request that would succeed with the world's key. */
  async function routes(key: string) {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const auth = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    return [
      () => call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key, body: {} }),
      () =>
        call(t.app, 'POST', authStartExtUrl(w, w.tenant, user.externalId, 'default'), {
          key,
          body: {},
        }),
      () => call(t.app, 'POST', discoverableStartUrl(w, 'lenient'), { key, body: {} }),
      () =>
        call(t.app, 'POST', authSessionUrl(w, auth.sessionId), {
          key,
          body: { clientResponse: device.authenticate(auth.clientRequest as never, w.origin) },
        }),
      () => call(t.app, 'POST', regStartUrl(w, user.id, 'default'), { key, body: {} }),
      () =>
        call(t.app, 'POST', regStartExtUrl(w, w.tenant, user.externalId, 'default'), {
          key,
          body: {},
        }),
      () =>
        call(t.app, 'POST', regSessionUrl(w, reg.sessionId), {
          key,
          body: {
            clientResponse: new SoftAuthenticator().register(reg.clientRequest as never, w.origin),
          },
        }),
    ];
  }

  it('they run on the fast path (no Nest interceptor runs for them) and answer as before', async () => {
    const intercept = jest.spyOn(DeferredKeyCheckInterceptor.prototype, 'intercept');
    try {
      const requests = await routes(w.key);
      intercept.mockClear();
      const answers = [];
      for (const request of requests) answers.push((await request()).statusCode);
      // the world's lenient policy refuses username-less sign-in: the service's own 403
      expect(answers).toEqual([201, 201, 403, 200, 201, 201, 200]);
      expect(intercept).not.toHaveBeenCalled();
      // an ordinary route still goes through Nest's pipeline (the spy sees it)
      expectStatus(
        await call(t.app, 'GET', `/api/identity-store/stores/${w.store}`, { key: w.key }),
        200,
      );
      expect(intercept).toHaveBeenCalledTimes(1);
    } finally {
      intercept.mockRestore();
    }
  });

  it('the fast path runs every global enhancer there is: a new one must be added to it too', () => {
    // the fast path runs AccessGuard, AppValidationPipe, ProblemFilter's responder and
    // DeferredKeyCheckInterceptor's rule, and nothing else (common/http/fast-path.ts)
    const config = (t.app as unknown as { config: ApplicationConfig }).config;
    const names = (items: object[]) => items.map((item) => item.constructor.name);
    expect(names(config.getGlobalGuards())).toEqual(['AccessGuard']);
    expect(names(config.getGlobalInterceptors())).toEqual(['DeferredKeyCheckInterceptor']);
    expect(names(config.getGlobalPipes())).toEqual(['AppValidationPipe']);
    expect(names(config.getGlobalFilters())).toEqual(['ProblemFilter']);
    for (const scoped of [
      config.getGlobalRequestGuards(),
      config.getGlobalRequestInterceptors(),
      config.getGlobalRequestPipes(),
      config.getGlobalRequestFilters(),
    ])
      expect(scoped).toEqual([]);
  });

  it('an empty path segment matches no route on the fast path either (404 before the key is read)', async () => {
    const before = await sessions();
    for (const url of [
      `/api/identity-store/stores//passkeys/authentications/sessions/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
      `/api/identity-store/stores/${w.store}/passkeys/relyingParties//authentications/default`,
    ]) {
      const res = await call(t.app, 'POST', url, { key: 'idsk_bad', body: {} });
      expect(res.statusCode).toBe(404);
    }
    expect(await sessions()).toBe(before);
  });

  it('a wrong secret, an unknown key id or no key: 401, and no session is written', async () => {
    const unknown = `idsk_${'0'.repeat(32)}_${'A'.repeat(43)}`;
    for (const key of [wrongSecret(w.key), unknown, undefined]) {
      for (const request of await routes(key as string)) {
        const before = await sessions();
        expectProblem(await request(), 401, 'UNAUTHENTICATED');
        expect(await sessions()).toBe(before);
      }
    }
  });

  it('a blocked key: 401 at once, on every deferred route', async () => {
    const key = await createKey(t.app, w.tenant, [`TNT#${w.tenant}#IdentityStore:*`]);
    const requests = await routes(key.key);
    expectStatus(
      await call(t.app, 'POST', `/api/identity-store/apiKeys/${key.id}`, {
        key: w.key,
        body: { status: 'BLOCKED' },
      }),
      200,
    );
    for (const request of requests) expectProblem(await request(), 401, 'UNAUTHENTICATED');
  });

  it('a key without the permission: 403, recorded, and nothing written', async () => {
    const key = await createKey(t.app, w.tenant, [`TNT#${w.tenant}#IdentityStore:getStore`]);
    for (const request of await routes(key.key)) {
      const before = await sessions();
      expectProblem(await request(), 403, 'PERMISSION_DENIED');
      expect(await sessions()).toBe(before);
    }
    const { rows } = await db.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'PERMISSION_DENIED' AND actor_key_id = $1",
      [key.id],
    );
    expect(rows[0].n).toBe(7);
  });

  it("another tenant's key finds nothing of this tenant (404), its own X-Tenant-Id no better (403)", async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const auth = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const response = device.authenticate(auth.clientRequest as never, w.origin);
    // the other tenant has a store `shop` too: the session is simply not in it
    expectProblem(
      await call(t.app, 'POST', authSessionUrl(w, auth.sessionId), {
        key: other.key,
        body: { clientResponse: response },
      }),
      404,
      'SESSION_NOT_FOUND',
    );
    expectProblem(
      await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key: other.key, body: {} }),
      404,
      'USER_NOT_FOUND',
    );
    expectProblem(
      await call(t.app, 'POST', authSessionUrl(w, auth.sessionId), {
        key: other.key,
        tenant: w.tenant,
        body: { clientResponse: response },
      }),
      403,
      'PERMISSION_DENIED',
    );
    // still completable by its own tenant
    expectStatus(await completeAuthentication(t.app, w, auth.sessionId, response), 200);
  });

  it('a suspended tenant: 403 on every deferred route, and nothing written', async () => {
    const mine = await passkeyWorld(t.app);
    const user = await mine.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, mine, device, user.id);
    const auth = await start(t.app, mine.key, authStartUrl(mine, user.id, 'default'));
    expectStatus(
      await call(t.app, 'POST', `/api/identity-store/tenants/${mine.tenant}`, {
        key: PLATFORM_KEY,
        body: { status: 'SUSPENDED' },
      }),
      200,
    );
    const before = await sessions();
    expectProblem(
      await call(t.app, 'POST', authStartUrl(mine, user.id, 'default'), {
        key: mine.key,
        body: {},
      }),
      403,
      'TENANT_SUSPENDED',
    );
    expectProblem(
      await call(t.app, 'POST', authSessionUrl(mine, auth.sessionId), {
        key: mine.key,
        body: { clientResponse: device.authenticate(auth.clientRequest as never, mine.origin) },
      }),
      403,
      'TENANT_SUSPENDED',
    );
    expect(await sessions()).toBe(before);
  });

  it('a bad key with a bad body is answered 401 (and a missing permission 403) before the 400', async () => {
    const user = await w.newUser();
    await registerPasskey(t.app, w, new SoftAuthenticator(), user.id);
    const auth = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const invalid = [
      (key: string) =>
        call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key, body: { challenge: 1 } }),
      (key: string) =>
        call(t.app, 'POST', authStartUrl(w, 'not-a-uuid', 'default'), { key, body: {} }),
      (key: string) =>
        call(t.app, 'POST', authSessionUrl(w, auth.sessionId), {
          key,
          body: { clientResponse: 'garbage' },
        }),
      (key: string) =>
        call(t.app, 'POST', regStartUrl(w, user.id, 'default'), {
          key,
          body: { userHandle: 'A'.repeat(200) },
        }),
      (key: string) =>
        call(t.app, 'POST', regSessionUrl(w, reg.sessionId), {
          key,
          body: { clientResponse: { id: 'x', rawId: 'x', type: 'public-key', response: {} } },
        }),
    ];
    const weak = await createKey(t.app, w.tenant, [`TNT#${w.tenant}#IdentityStore:getStore`]);
    for (const request of invalid) {
      expectProblem(await request(wrongSecret(w.key)), 401, 'UNAUTHENTICATED');
      expectProblem(await request(weak.key), 403, 'PERMISSION_DENIED');
      expectProblem(await request(w.key), 400, 'VALIDATION_FAILED');
    }
    const { rows } = await db.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'PERMISSION_DENIED' AND actor_key_id = $1",
      [weak.id],
    );
    expect(rows[0].n).toBe(invalid.length);
  });

  it('a platform key naming the tenant (X-Tenant-Id), and a bearer token, work as before', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const started = await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), {
      key: PLATFORM_KEY,
      tenant: w.tenant,
      body: {},
    });
    expectStatus(started, 201);
    const token = (
      await call(t.app, 'POST', '/api/identity-store/apiKeys/issue', { key: w.key })
    ).json().token;
    const done = await call(t.app, 'POST', authSessionUrl(w, started.json().sessionId), {
      token,
      body: {
        clientResponse: device.authenticate(started.json().clientRequest as never, w.origin),
      },
    });
    expectStatus(done, 200);
  });
});

describe('a configured platform key that looks like a generated one', () => {
  // IDS_PLATFORM_API_KEY has a free format; one shaped like `idsk_…` has no row under its id
  const platformKey = `idsk_${'ab'.repeat(16)}_${'Z'.repeat(43)}`;
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { platformApiKey: platformKey } });
  });
  afterAll(() => t.close());

  it('starts and completes both ceremonies in the tenant it names', async () => {
    const tenant = uniqueId('pf');
    const as = (method: 'POST', url: string, body: unknown) =>
      call(t.app, method, url, { key: platformKey, tenant, body });
    expectStatus(
      await call(t.app, 'POST', '/api/identity-store/tenants', {
        key: platformKey,
        body: { id: tenant, name: tenant },
      }),
      201,
    );
    const where = { key: platformKey, store: 'shop', rpId: 'localhost', origin: ORIGIN };
    expectStatus(await as('POST', '/api/identity-store/stores', { name: 'shop' }), 201);
    const rpUrl = '/api/identity-store/stores/shop/passkeys/relyingParties';
    expectStatus(await as('POST', rpUrl, { rpId: 'localhost', name: 'S', origins: [ORIGIN] }), 201);
    expectStatus(
      await as('POST', `${rpUrl}/localhost/registrationPolicies`, { name: 'default' }),
      201,
    );
    expectStatus(
      await as('POST', `${rpUrl}/localhost/authenticationPolicies`, { name: 'default' }),
      201,
    );
    const user = (
      await as('POST', '/api/identity-store/stores/shop/users', {
        externalId: 'p1',
        userName: 'p1',
      })
    ).json();
    const device = new SoftAuthenticator();
    const reg = await as('POST', regStartUrl(where, user.id, 'default'), {});
    expectStatus(reg, 201);
    expectStatus(
      await as('POST', regSessionUrl(where, reg.json().sessionId), {
        clientResponse: device.register(reg.json().clientRequest as never, ORIGIN),
      }),
      200,
    );
    const auth = await as('POST', authStartUrl(where, user.id, 'default'), {});
    expectStatus(auth, 201);
    expectStatus(
      await as('POST', authSessionUrl(where, auth.json().sessionId), {
        clientResponse: device.authenticate(auth.json().clientRequest as never, ORIGIN),
      }),
      200,
    );
  });
});
