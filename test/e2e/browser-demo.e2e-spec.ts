import { Client } from 'pg';
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

  /** Waits until the status line is an error or a sign-in, and returns it. */
  async function settled(b: Browser): Promise<{ text: string; code?: string; isError: boolean }> {
    await b.page.waitForFunction(
      () => {
        const el = (globalThis as any).document.querySelector('#status');
        return el?.className === 'error' || el?.textContent?.startsWith('Signed in');
      },
      null,
      { timeout: 15_000 },
    );
    const el = b.page.locator('#status');
    return {
      text: (await el.textContent()) ?? '',
      code: (await el.getAttribute('data-code')) ?? undefined,
      isError: (await el.getAttribute('class')) === 'error',
    };
  }

  async function passkeysOf(externalId: string): Promise<number> {
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM passkeys p JOIN users u ON u.id = p.user_id
          WHERE u.tenant_id = 'demo' AND u.external_id = $1`,
        [externalId],
      );
      return rows[0].n;
    } finally {
      await db.end();
    }
  }

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
      payment: { amount: '12.34', currency: 'EUR', status: 'CONFIRMED' },
      verified: {
        externalId: 'alice',
        kind: 'authenticate',
        userVerified: true,
        transactionData: { amount: '12.34', currency: 'EUR', payee: 'Demo shop' },
        resultToken: expect.any(String),
      },
    });
    expect(await status().textContent()).toBe('Payment of 12.34 EUR confirmed by alice');
  }, 60_000);

  it("the demo's amount can no longer be changed after signing (1.00 approved, 9999.00 claimed)", async () => {
    const page = browser.page;
    await page.goto(`${base}/demo`);
    await page.fill('#username', 'dave');
    await page.click('#signup');
    expect(await settled(browser)).toMatchObject({ text: 'Signed in as dave', isError: false });

    // the page (or anyone between it and the backend) swaps the amount once the user has signed
    await page.route('**/demo/api/payment/confirm', (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}');
      return route.continue({ postData: JSON.stringify({ ...body, amount: '9999.00' }) });
    });
    try {
      await page.fill('#amount', '1.00');
      await page.click('#pay');
      await page.waitForFunction(
        () => {
          const el = (globalThis as any).document.querySelector('#status');
          return el?.className === 'error' || el?.textContent?.startsWith('Payment');
        },
        null,
        { timeout: 15_000 },
      );
      const shown = await settled(browser);
      expect(shown).toMatchObject({ isError: true, code: 'REQUEST_REJECTED' });
      expect(shown.text).toBe(
        'You approved 1.00 EUR with your passkey, not 9999.00: nothing was paid.',
      );
      expect(await page.locator('#result').textContent()).toBe('No payment yet.');
    } finally {
      await page.unroute('**/demo/api/payment/confirm');
    }
  }, 60_000);

  it('"Create account" with an existing name from a fresh authenticator is refused and not signed in', async () => {
    const page = browser.page;
    await page.goto(`${base}/demo`);
    await page.fill('#username', 'carol');
    await page.click('#signup');
    expect(await settled(browser)).toMatchObject({ text: 'Signed in as carol', isError: false });
    expect(await passkeysOf('carol')).toBe(1);

    // A stranger, on another device, signs up with carol's name.
    const stranger = await launchWithAuthenticator();
    try {
      await stranger.page.goto(`${base}/demo`);
      await stranger.page.fill('#username', 'carol');
      await stranger.page.click('#signup');
      const shown = await settled(stranger);
      expect(shown).toMatchObject({ isError: true, code: 'USER_ALREADY_EXISTS' });
      expect(shown.text).toMatch(/^That user name is taken\./);
      expect(shown.text).not.toContain('Signed in');
      // not signed in: payment stays disabled, and carol still has only her own passkey
      expect(await stranger.page.locator('#pay').isDisabled()).toBe(true);
      expect(await passkeysOf('carol')).toBe(1);
    } finally {
      await stranger.close();
    }
  }, 60_000);

  it('a malformed user name is explained in a sentence, not a regular expression', async () => {
    const page = browser.page;
    await page.goto(`${base}/demo`);
    await page.fill('#username', 'carol smith!');
    await page.click('#signup');
    const shown = await settled(browser);
    expect(shown).toMatchObject({ isError: true, code: 'VALIDATION_FAILED' });
    expect(shown.text).toMatch(/^A user name is 1 to 64 characters: .*\.$/);
    expect(shown.text).not.toMatch(/[\^$\\[\]{}]|\/\^|must match/);
  }, 60_000);
});
