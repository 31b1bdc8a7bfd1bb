import { freePort } from '../setup/test-cluster';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { Browser, browserAvailable, launchWithAuthenticator } from '../support/browser';
import { PassageIntegrator, startPassageIntegrator } from '../support/passage-integrator';
import { createTestApp, TestApp } from '../support/test-app';

const describeBrowser = browserAvailable() ? describe : describe.skip;

/**
 * A Passkey Flex integrator moves to Identity Store: the unmodified
 * `@passageidentity/passage-flex-js` 1.0.2 in headless Chromium (only its base URL replaced),
 * transactions and nonces through the Passage-shaped backend routes with a Bearer API key.
 */
describeBrowser('the real Passkey Flex browser SDK against /passage/v1', () => {
  const APP_ID = 'flexShopApp0000000000001';
  let t: TestApp;
  let integrator: PassageIntegrator;
  let browser: Browser;
  const requests: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const ids = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const { admin } = await tenantWithAdmin(t.app, 'flex');
    const port = await freePort();
    const post = async (url: string, body: unknown) =>
      expectStatus(await call(t.app, 'POST', url, { key: admin.key, body }), 201);
    const rp = '/api/identity-store/stores/shop/passkeys/relyingParties/localhost';
    await post('/api/identity-store/stores', { name: 'shop' });
    await post('/api/identity-store/stores/shop/passkeys/relyingParties', {
      rpId: 'localhost',
      name: 'Flex shop',
      origins: [`http://localhost:${port}`],
    });
    await post(`${rp}/registrationPolicies`, { name: 'default', residentKey: 'required' });
    await post(`${rp}/authenticationPolicies`, { name: 'default' });
    await post(`${rp}/passageApps`, {
      appId: APP_ID,
      registrationPolicy: 'default',
      authenticationPolicy: 'default',
    });
    integrator = await startPassageIntegrator(ids, APP_ID, admin.key, port);
    browser = await launchWithAuthenticator();
    browser.page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
    await browser.page.goto(integrator.origin);
    await browser.page.waitForFunction(() => (globalThis as any).ready === true);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await integrator?.close();
    await t?.close();
  });

  it('passkey.register(transactionId), passkey.authenticate({transactionId}), passkey.authenticate(): verify names the user', async () => {
    const registered = await browser.page.evaluate(() =>
      (globalThis as any).flexRegister('flex-customer-1'),
    );
    expect(registered).toEqual({ externalId: 'flex-customer-1' });

    const steppedUp = await browser.page.evaluate(() =>
      (globalThis as any).flexStepUp('flex-customer-1'),
    );
    expect(steppedUp).toEqual({ externalId: 'flex-customer-1' });

    const usernameless = await browser.page.evaluate(() => (globalThis as any).flexUsernameless());
    expect(usernameless).toEqual({ externalId: 'flex-customer-1' });

    // the SDK spoke only to Identity Store's /passage/v1: four kinds of POST (plus preflights)
    const sdkCalls = requests.filter((r) => r.includes('/passage/v1/'));
    expect(
      sdkCalls
        .filter((r) => r.startsWith('POST'))
        .map((r) => r.replace(/^POST \S+\/apps\/\w+/, '')),
    ).toEqual([
      '/register/transactions/webauthn/start',
      '/register/transactions/webauthn/finish',
      '/authenticate/transactions/webauthn/start',
      '/authenticate/transactions/webauthn/finish',
      '/authenticate/transactions/webauthn/start',
      '/authenticate/transactions/webauthn/finish',
    ]);
    expect(requests.filter((r) => r.includes('passage.id'))).toEqual([]);
  }, 60_000);

  it("shows our error message through the SDK's own error (read from `error`)", async () => {
    const failure = await browser.page.evaluate(() =>
      (globalThis as any).flexError('not-a-transaction'),
    );
    expect(failure).toMatchObject({
      name: 'PassageError',
      statusCode: 404,
      message: 'No such transaction',
    });
  }, 30_000);
});
