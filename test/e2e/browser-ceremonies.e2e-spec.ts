import { freePort } from '../setup/test-cluster';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { Browser, browserAvailable, launchWithAuthenticator } from '../support/browser';
import { Integrator, startIntegrator } from '../support/integrator';
import { createTestApp, TestApp } from '../support/test-app';

const describeBrowser = browserAvailable() ? describe : describe.skip;

describeBrowser('real browser: headless Chromium with a virtual authenticator', () => {
  let t: TestApp;
  let integrator: Integrator;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const api = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const world = await tenantWithAdmin(t.app, 'browser');
    key = world.admin.key;
    const port = await freePort();
    const post = async (url: string, body: unknown) =>
      expectStatus(await call(t.app, 'POST', url, { key, body }), 201);
    await post('/api/identity-store/stores', { name: 'shop' });
    await post('/api/identity-store/stores/shop/passkeys/relyingParties', {
      rpId: 'localhost',
      name: 'Shop',
      origins: [`http://localhost:${port}`],
    });
    await post(
      '/api/identity-store/stores/shop/passkeys/relyingParties/localhost/registrationPolicies',
      {
        name: 'default',
        residentKey: 'required',
        userVerification: 'required',
      },
    );
    await post(
      '/api/identity-store/stores/shop/passkeys/relyingParties/localhost/authenticationPolicies',
      {
        name: 'default',
        userVerification: 'required',
      },
    );
    integrator = await startIntegrator(api, world.tenant, key, port);
    browser = await launchWithAuthenticator();
    await browser.page.goto(integrator.origin);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await integrator?.close();
    await t?.close();
  });

  it('registers a passkey, authenticates with it, then authenticates username-less', async () => {
    const registered = await browser.page.evaluate(() =>
      (globalThis as any).register('browser-user-1'),
    );
    expect(registered).toMatchObject({
      status: 'SUCCEEDED',
      externalId: 'browser-user-1',
      createdUser: true,
      userVerified: true,
    });

    const signedIn = await browser.page.evaluate(() =>
      (globalThis as any).signIn('browser-user-1'),
    );
    expect(signedIn).toMatchObject({
      status: 'SUCCEEDED',
      externalId: 'browser-user-1',
      passkeyId: registered.passkeyId,
      userVerified: true,
    });

    const usernameless = await browser.page.evaluate(() =>
      (globalThis as any).signInUsernameless(),
    );
    expect(usernameless).toMatchObject({
      status: 'SUCCEEDED',
      userId: registered.userId,
      passkeyId: registered.passkeyId,
    });

    const passkeys = (
      await call(
        t.app,
        'GET',
        '/api/identity-store/stores/shop/users/browser-user-1/passkeys/ext',
        { key },
      )
    ).json().content;
    expect(passkeys).toEqual([
      expect.objectContaining({ id: registered.passkeyId, useCount: 2, algorithm: -8 }),
    ]);
  }, 60_000);
});
