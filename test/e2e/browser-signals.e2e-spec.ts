import { createServer, Server } from 'node:http';
import { freePort } from '../setup/test-cluster';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { Browser, browserAvailable, launchWithAuthenticator } from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const describeBrowser = browserAvailable() ? describe : describe.skip;

type Signal = { method: string; options: Record<string, unknown> };
type VirtualCredential = { id: string; userName: string; userDisplayName: string };

/**
 * client.js's applySignals in headless Chromium (156 implements the three Signal API methods, and
 * its CDP virtual authenticator applies them): the browser functions are called with the API's
 * payloads, and the authenticator's credentials change accordingly.
 */
describeBrowser('real browser: WebAuthn Signal API through client.js', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Server;
  let key: string;
  let tenant: string;
  let clientUrl: string;
  const store = '/api/identity-store/stores/shop';

  /** Runs `body` as an async function in the page, with client.js imported as `client`. */
  // a string, not a function: the test transform would rewrite a dynamic import()
  const inPage = <T>(body: string, arg: unknown = null): Promise<T> =>
    browser.page.evaluate(`(async (arg) => {
      const client = await import(${JSON.stringify(clientUrl)});
      ${body}
    })(${JSON.stringify(arg)})`) as Promise<T>;

  /** The calls the page made to PublicKeyCredential.signal* since the last look (then cleared). */
  const recordedCalls = () =>
    browser.page.evaluate(() => {
      const w = globalThis as unknown as { signalCalls: Signal[] };
      return w.signalCalls.splice(0);
    });

  /** The virtual authenticator's credentials, ids in base64url. */
  async function credentials(): Promise<VirtualCredential[]> {
    const { credentials: list } = (await browser.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: browser.authenticatorId,
    })) as { credentials: { credentialId: string; userName: string; userDisplayName: string }[] };
    return list.map((c) => ({
      id: Buffer.from(c.credentialId, 'base64').toString('base64url'),
      userName: c.userName,
      userDisplayName: c.userDisplayName,
    }));
  }

  /** The authenticator applies a signal after its promise resolves: wait until it shows. */
  async function eventually(check: (list: VirtualCredential[]) => boolean): Promise<void> {
    for (let i = 0; i < 50 && !check(await credentials()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A register transaction run in the page by client.js; returns who registered what. */
  async function registerInBrowser(externalId: string) {
    const minted = await call(
      t.app,
      'POST',
      `${store}/passkeys/relyingParties/localhost/transactions/register`,
      {
        key,
        body: { externalId, passkeyDisplayName: 'Laptop' },
      },
    );
    expectStatus(minted, 201);
    const nonce = await inPage<string>('return client.register(arg);', minted.json().transactionId);
    const verified = await call(t.app, 'POST', `${store}/passkeys/nonces/verify`, {
      key,
      body: { nonce },
    });
    expectStatus(verified, 200);
    const { userId, passkeyId } = verified.json();
    const passkey = (
      await call(t.app, 'GET', `${store}/users/${userId}/passkeys/${passkeyId}`, { key })
    ).json();
    return {
      userId: userId as string,
      passkeyId: passkeyId as string,
      credentialId: passkey.credentialId as string,
    };
  }

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const api = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    clientUrl = `${api}/api/identity-store/browser/client.js`;
    const world = await tenantWithAdmin(t.app, 'signals');
    key = world.admin.key;
    tenant = world.tenant;
    const port = await freePort();
    page = createServer((_req, res) => res.end('<!doctype html><title>Shop</title>'));
    await new Promise<void>((resolve) => page.listen(port, '127.0.0.1', resolve));
    const post = async (url: string, body: unknown) =>
      expectStatus(await call(t.app, 'POST', url, { key, body }), 201);
    await post('/api/identity-store/stores', { name: 'shop' });
    await post(`${store}/passkeys/relyingParties`, {
      rpId: 'localhost',
      name: 'Shop',
      origins: [`http://localhost:${port}`],
    });
    await post(`${store}/passkeys/relyingParties/localhost/registrationPolicies`, {
      name: 'default',
      residentKey: 'required',
      userVerification: 'required',
    });
    await post(`${store}/passkeys/relyingParties/localhost/authenticationPolicies`, {
      name: 'default',
      userVerification: 'required',
    });
    browser = await launchWithAuthenticator();
    await browser.page.goto(`http://localhost:${port}/`);
    // record every call of the Signal API, then let the browser's own function run
    await browser.page.evaluate(() => {
      type Pkc = Record<string, (o: unknown) => Promise<void>>;
      const w = globalThis as unknown as { signalCalls: Signal[]; PublicKeyCredential: Pkc };
      const pkc = w.PublicKeyCredential;
      w.signalCalls = [];
      for (const method of [
        'signalUnknownCredential',
        'signalAllAcceptedCredentials',
        'signalCurrentUserDetails',
      ]) {
        const original = pkc[method];
        if (typeof original !== 'function') continue;
        pkc[method] = (options: unknown) => {
          w.signalCalls.push({ method, options: options as Record<string, unknown> });
          return original.call(pkc, options);
        };
      }
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.close(resolve));
    await t?.close();
  });

  it('Chromium here implements the three Signal API methods', async () => {
    expect(
      await browser.page.evaluate(() =>
        ['signalUnknownCredential', 'signalAllAcceptedCredentials', 'signalCurrentUserDetails'].map(
          (m) =>
            typeof (globalThis as unknown as { PublicKeyCredential: Record<string, unknown> })
              .PublicKeyCredential[m],
        ),
      ),
    ).toEqual(['function', 'function', 'function']);
  });

  it("a user rename's signals: signalCurrentUserDetails is called with them and the authenticator shows the new names", async () => {
    const registered = await registerInBrowser('signal-user-1');
    expect(await credentials()).toContainEqual({
      id: registered.credentialId,
      userName: 'signal-user-1',
      userDisplayName: 'signal-user-1',
    });
    const renamed = await call(t.app, 'POST', `${store}/users/${registered.userId}`, {
      key,
      body: { userName: 'jane@shop.example', displayName: 'Jane Shop' },
    });
    expectStatus(renamed, 200);
    const signals = renamed.json().signals as Signal[];
    expect(signals.map((s) => s.method)).toEqual([
      'signalAllAcceptedCredentials',
      'signalCurrentUserDetails',
    ]);

    const applied = await inPage<Signal[]>('return client.applySignals(arg);', signals);
    expect(applied).toEqual(signals);
    expect(await recordedCalls()).toEqual(signals);
    await eventually((list) => list.some((c) => c.userName === 'jane@shop.example'));
    expect(await credentials()).toContainEqual({
      id: registered.credentialId,
      userName: 'jane@shop.example',
      userDisplayName: 'Jane Shop',
    });

    // a delete's signals (Prefer: return=representation): no accepted credential is left
    const deleted = await call(
      t.app,
      'DELETE',
      `${store}/users/${registered.userId}/passkeys/${registered.passkeyId}`,
      { key, headers: { prefer: 'return=representation' } },
    );
    expectStatus(deleted, 200);
    expect(deleted.json().signals).toEqual([
      {
        method: 'signalAllAcceptedCredentials',
        options: {
          rpId: 'localhost',
          userId: signals[0].options.userId,
          allAcceptedCredentialIds: [],
        },
      },
    ]);
    expect(
      await inPage<Signal[]>('return client.applySignals(arg);', deleted.json().signals),
    ).toEqual(deleted.json().signals);
    expect(await recordedCalls()).toEqual(deleted.json().signals);
    await eventually((list) => !list.some((c) => c.id === registered.credentialId));
    expect((await credentials()).map((c) => c.id)).not.toContain(registered.credentialId);
  }, 60_000);

  it('a username-less sign-in with a deleted passkey: PasskeyError with the signal; client.js applies it only when the page opts in (then the authenticator drops it)', async () => {
    const registered = await registerInBrowser('signal-user-2');
    // deleted on the server only: the passkey manager still offers it
    const deleted = await call(
      t.app,
      'DELETE',
      `${store}/users/${registered.userId}/passkeys/${registered.passkeyId}`,
      { key },
    );
    expect(deleted.statusCode).toBe(204);
    expect((await credentials()).map((c) => c.id)).toEqual([registered.credentialId]);

    const attempt = (apply: boolean) =>
      inPage<Record<string, unknown>>(
        `try {
          await client.authenticate({ tenantId: arg, storeName: 'shop', rpId: 'localhost', applyUnknownCredentialSignal: ${apply} });
          return { name: 'none' };
        } catch (error) {
          return { name: error.name, code: error.code, signals: error.signals, applied: error.appliedSignals };
        }`,
        tenant,
      );
    const signal = {
      method: 'signalUnknownCredential',
      options: { rpId: 'localhost', credentialId: registered.credentialId },
    };
    // by default the page gets the payload and decides; the passkey manager is left alone
    expect(await attempt(false)).toEqual({
      name: 'PasskeyError',
      code: 'CREDENTIAL_NOT_ALLOWED',
      signals: [signal],
    });
    expect(await recordedCalls()).toEqual([]);
    expect((await credentials()).map((c) => c.id)).toEqual([registered.credentialId]);

    const failure = await attempt(true);
    expect(failure).toEqual({
      name: 'PasskeyError',
      code: 'CREDENTIAL_NOT_ALLOWED',
      signals: [signal],
      applied: [signal],
    });
    expect(await recordedCalls()).toEqual([signal]);
    await eventually((list) => list.length === 0);
    expect(await credentials()).toEqual([]);
  }, 60_000);

  it('applySignals never throws: a refused payload, unknown methods and junk are skipped', async () => {
    const result = await inPage<Signal[]>(
      `return client.applySignals([
        null,
        'signalUnknownCredential',
        { method: 'parseCreationOptionsFromJSON', options: {} },
        { method: 'signalUnknownCredential', options: { rpId: 'example.com', credentialId: 'AAAAAAAAAAAAAAAAAAAAAA' } },
        { method: 'signalUnknownCredential', options: { rpId: 'localhost', credentialId: 'not base64url!' } },
      ]);`,
    );
    expect(result).toEqual([]);
    expect(await inPage('return client.applySignals(undefined);')).toEqual([]);
    await recordedCalls();
  });

  it('applySignals is a no-op where the browser has no Signal API', async () => {
    const result = await inPage<{ applied: Signal[]; calls: number }>(
      `const saved = {};
      for (const m of ['signalUnknownCredential', 'signalAllAcceptedCredentials', 'signalCurrentUserDetails']) {
        saved[m] = PublicKeyCredential[m];
        delete PublicKeyCredential[m];
        PublicKeyCredential[m] = undefined;
      }
      try {
        const applied = await client.applySignals([
          { method: 'signalAllAcceptedCredentials', options: { rpId: 'localhost', userId: 'AQID', allAcceptedCredentialIds: [] } },
        ]);
        return { applied, calls: globalThis.signalCalls.length };
      } finally {
        Object.assign(PublicKeyCredential, saved);
      }`,
    );
    expect(result).toEqual({ applied: [], calls: 0 });
  });
});
