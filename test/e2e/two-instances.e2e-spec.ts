import { call, createKey, expectStatus } from '../support/api';
import {
  authSessionUrl,
  authStartUrl,
  completeAuthentication,
  completeRegistration,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

/** Two instances of the real app on one database behave as one. */
describe('two instances, one database', () => {
  let a: TestApp;
  let b: TestApp;
  let w: World;

  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ database: a.database });
    w = await passkeyWorld(a.app);
  });
  afterAll(async () => {
    await b.app.close();
    await a.close();
  });

  it('a ceremony started on A completes on B (registration and authentication)', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const reg = await start(a.app, w.key, regStartUrl(w, user.id, 'default'));
    expectStatus(
      await completeRegistration(
        b.app,
        w,
        reg.sessionId,
        device.register(reg.clientRequest as never, w.origin),
      ),
      200,
    );
    const auth = await start(b.app, w.key, authStartUrl(w, user.id, 'default'));
    expectStatus(
      await completeAuthentication(
        a.app,
        w,
        auth.sessionId,
        device.authenticate(auth.clientRequest as never, w.origin),
      ),
      200,
    );
    const session = (
      await call(b.app, 'GET', authSessionUrl(w, auth.sessionId), { key: w.key })
    ).json();
    expect(session.status).toBe('SUCCEEDED');
  });

  it('50 concurrent completions of one session over A and B: exactly one success, the rest a clear 409', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const reg = await start(a.app, w.key, regStartUrl(w, user.id, 'default'));
    await completeRegistration(
      a.app,
      w,
      reg.sessionId,
      device.register(reg.clientRequest as never, w.origin),
    );
    const auth = await start(a.app, w.key, authStartUrl(w, user.id, 'default'));
    const response = device.authenticate(auth.clientRequest as never, w.origin);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        completeAuthentication(i % 2 ? b.app : a.app, w, auth.sessionId, response),
      ),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    const others = results.filter((r) => r.statusCode !== 200);
    expect(others).toHaveLength(49);
    for (const other of others) expectProblem(other, 409, 'SESSION_ALREADY_COMPLETED');
  });

  it('a key blocked on A is refused by B at once', async () => {
    const victim = await createKey(a.app, w.tenant, [`TNT#${w.tenant}#IdentityStore:getTenant`]);
    expectStatus(
      await call(b.app, 'GET', `/api/identity-store/tenants/${w.tenant}`, { key: victim.key }),
      200,
    );
    expectStatus(
      await call(a.app, 'POST', `/api/identity-store/apiKeys/${victim.id}`, {
        key: w.key,
        body: { status: 'BLOCKED' },
      }),
      200,
    );
    expectProblem(
      await call(b.app, 'GET', `/api/identity-store/tenants/${w.tenant}`, { key: victim.key }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('tokens signed by A verify on B (one signing key, in the database)', async () => {
    const token = (
      await call(a.app, 'POST', '/api/identity-store/apiKeys/issue', { key: w.key })
    ).json().token;
    expectStatus(await call(b.app, 'GET', '/api/identity-store/limits', { token }), 200);
  });
});
