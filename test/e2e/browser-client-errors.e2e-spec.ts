import { createServer, Server } from 'node:http';
import { freePort } from '../setup/test-cluster';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { Browser, browserAvailable, launchWithAuthenticator } from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const describeBrowser = browserAvailable() ? describe : describe.skip;

/**
 * client.js as a page sees it: an unknown transaction reads TRANSACTION_NOT_FOUND (not a bare
 * "Failed to fetch"), and a call that CORS refuses is a PasskeyError NETWORK_ERROR.
 */
describeBrowser('real browser: client.js errors', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Server;
  let key: string;
  let api: string;

  /** Runs register(transactionId) from client.js in the page; returns the error's name and code. */
  // a string, not a function: the test transform would rewrite a dynamic import()
  const registerIn = (transactionId: string) =>
    browser.page.evaluate(`(async () => {
      const client = await import(${JSON.stringify(`${api}/api/identity-store/browser/client.js`)});
      try {
        await client.register(${JSON.stringify(transactionId)});
        return { name: 'none', code: 'none' };
      } catch (error) {
        return { name: error.name, code: error.code };
      }
    })()`);

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const world = await tenantWithAdmin(t.app, 'client');
    key = world.admin.key;
    const port = await freePort();
    page = createServer((_req, res) => res.end('<!doctype html><title>Shop</title>'));
    await new Promise<void>((resolve) => page.listen(port, '127.0.0.1', resolve));
    const post = async (url: string, body: unknown) =>
      expectStatus(await call(t.app, 'POST', url, { key, body }), 201);
    for (const [store, origin] of [
      ['shop', `http://localhost:${port}`],
      ['elsewhere', 'http://localhost:1'],
    ]) {
      await post('/api/identity-store/stores', { name: store });
      await post(`/api/identity-store/stores/${store}/passkeys/relyingParties`, {
        rpId: 'localhost',
        name: store,
        origins: [origin],
      });
      await post(
        `/api/identity-store/stores/${store}/passkeys/relyingParties/localhost/registrationPolicies`,
        { name: 'default' },
      );
    }
    browser = await launchWithAuthenticator();
    await browser.page.goto(`http://localhost:${port}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.close(resolve));
    await t?.close();
  });

  it('an unknown transaction is a PasskeyError TRANSACTION_NOT_FOUND', async () => {
    expect(await registerIn(Buffer.alloc(32, 9).toString('base64url'))).toEqual({
      name: 'PasskeyError',
      code: 'TRANSACTION_NOT_FOUND',
    });
  }, 30_000);

  it("a transaction of a relying party that does not list this page's origin is a PasskeyError NETWORK_ERROR", async () => {
    const minted = await call(
      t.app,
      'POST',
      '/api/identity-store/stores/elsewhere/passkeys/relyingParties/localhost/transactions/register',
      { key, body: { externalId: 'someone-new', passkeyDisplayName: 'x' } },
    );
    expectStatus(minted, 201);
    expect(await registerIn(minted.json().transactionId)).toEqual({
      name: 'PasskeyError',
      code: 'NETWORK_ERROR',
    });
  }, 30_000);
});
