import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { freePort } from '../setup/test-cluster';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { Browser, browserAvailable, launchWithAuthenticator } from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const describeBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The README's step-up walk-through as a new integrator runs it: the backend mints a transaction
 * with `transactionData`, the page runs it in Chromium through client.js (showing the data), the
 * backend redeems the nonce and verifies `resultToken` with jose against the tenant's JWKS.
 */
describeBrowser('real browser: a step-up that signs what the user approves', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Server;
  let key: string;
  let api: string;
  let tenant: string;
  const rp = '/api/identity-store/stores/shop/passkeys/relyingParties/localhost';

  /** Runs a client.js call in the page; returns its nonce and the data it was shown. */
  const inPage = (call: 'register' | 'authenticate', transactionId: string) =>
    browser.page.evaluate(`(async () => {
      const client = await import(${JSON.stringify(`${api}/api/identity-store/browser/client.js`)});
      let shown = null;
      const onTransactionData = (data) => { shown = data; };
      const id = ${JSON.stringify(transactionId)};
      const nonce = ${JSON.stringify(call)} === 'register'
        ? await client.register(id, { onTransactionData })
        : await client.authenticate({ transactionId: id, onTransactionData });
      return { nonce, shown };
    })()`) as Promise<{ nonce: string; shown: Record<string, unknown> | null }>;

  const backend = async (path: string, body: unknown, status = 201) => {
    const res = await call(t.app, 'POST', path, { key, body });
    expectStatus(res, status);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const world = await tenantWithAdmin(t.app, 'txdata');
    tenant = world.tenant;
    key = world.admin.key;
    const port = await freePort();
    page = createServer((_req, res) => res.end('<!doctype html><title>Shop</title>'));
    await new Promise<void>((resolve) => page.listen(port, '127.0.0.1', resolve));
    await backend('/api/identity-store/stores', { name: 'shop' });
    await backend('/api/identity-store/stores/shop/passkeys/relyingParties', {
      rpId: 'localhost',
      name: 'Shop',
      origins: [`http://localhost:${port}`],
    });
    await backend(`${rp}/registrationPolicies`, { name: 'default', residentKey: 'required' });
    await backend(`${rp}/authenticationPolicies`, { name: 'default' });
    browser = await launchWithAuthenticator();
    await browser.page.goto(`http://localhost:${port}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.close(resolve));
    await t?.close();
  });

  it('mint with transactionData → client.js shows it and signs → verifyNonce returns it → resultToken verifies with jose against the JWKS', async () => {
    // sign-up first (a register transaction, no data)
    const signup = await backend(`${rp}/transactions/register`, {
      externalId: 'erin',
      passkeyDisplayName: 'Laptop',
    });
    const registered = await inPage('register', signup.transactionId);
    expect(registered.shown).toBeNull();
    await backend(
      '/api/identity-store/stores/shop/passkeys/nonces/verify',
      { nonce: registered.nonce },
      200,
    );

    // the step-up: what the user approves travels with the transaction
    const transactionData = { amount: '100.00', currency: 'EUR', payee: 'ACME' };
    const { transactionId } = await backend(`${rp}/transactions/authenticate`, {
      externalId: 'erin',
      transactionData,
    });
    const { nonce, shown } = await inPage('authenticate', transactionId);
    expect(shown).toEqual(transactionData);

    const verified = await backend(
      '/api/identity-store/stores/shop/passkeys/nonces/verify',
      { nonce },
      200,
    );
    expect(verified).toMatchObject({ externalId: 'erin', transactionId, transactionData });

    // the README's verification, over HTTP like any integrator
    const jwks = createRemoteJWKSet(
      new URL(`${api}/api/identity-store/${tenant}/.well-known/jwks.json`),
    );
    const { payload } = await jwtVerify(verified.resultToken, jwks, {
      issuer: t.config.publicUrl,
      audience: `${tenant}/shop`,
      typ: 'ids-result+jwt',
    });
    const canonical = '{"amount":"100.00","currency":"EUR","payee":"ACME"}';
    expect(payload).toMatchObject({
      sub: verified.userId,
      external_id: 'erin',
      kind: 'authentication',
      uv: true,
      txn: transactionId,
      txn_data_hash: createHash('sha256').update(canonical).digest('base64url'),
    });
  }, 60_000);
});
