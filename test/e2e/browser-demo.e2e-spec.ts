import { Browser, browserAvailable, launchWithAuthenticator } from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const describeBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The step-up flow end to end in headless Chromium with a virtual authenticator, through the
 * /demo site: sign-up (register transaction), username-less sign-in, and a payment confirmed by
 * an authenticate transaction; the demo's backend redeems each nonce through the public API.
 */
describeBrowser('real browser: the demo site', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp({ config: { demoEnabled: true } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://localhost:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await launchWithAuthenticator();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const status = () => browser.page.locator('#status');

  it('signs up with a passkey, signs in username-less, and confirms a payment with a step-up', async () => {
    const page = browser.page;
    await page.goto(`${base}/demo`);
    await page.fill('#username', 'alice');
    await page.click('#signup');
    await page.waitForFunction(
      () =>
        (globalThis as any).document.querySelector('#status')?.textContent?.startsWith('Signed in'),
      null,
      { timeout: 15_000 },
    );
    expect(await status().textContent()).toBe('Signed in as alice');

    await page.click('#signout');
    expect(await status().textContent()).toBe('Signed out');
    await page.click('#signin');
    await page.waitForFunction(
      () =>
        (globalThis as any).document.querySelector('#status')?.textContent?.startsWith('Signed in'),
      null,
      { timeout: 15_000 },
    );
    expect(await status().textContent()).toBe('Signed in as alice');

    await page.fill('#amount', '12.34');
    await page.click('#pay');
    await page.waitForFunction(
      () =>
        (globalThis as any).document.querySelector('#status')?.textContent?.startsWith('Payment'),
      null,
      { timeout: 15_000 },
    );
    const result = JSON.parse((await page.locator('#result').textContent()) ?? '{}');
    expect(result).toMatchObject({
      payment: { amount: '12.34', status: 'CONFIRMED' },
      verified: { externalId: 'alice', kind: 'authenticate', userVerified: true },
    });
  }, 60_000);
});
