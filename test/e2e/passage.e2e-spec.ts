import type { Response } from 'light-my-request';
import { call, createKey, expectStatus, issueToken } from '../support/api';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';
import { startInsideRateWindow } from '../support/rate-window';

/**
 * The Passage (Passkey Flex) compatible routes, driven the way Passage's SDKs drive them: the
 * backend with `Authorization: Bearer <api key>`, the browser with the SDK's own body shapes.
 * (The unmodified browser SDK in Chromium: passage-sdk-browser.e2e-spec.ts.)
 */
describe('Passage-compatible routes (/passage/v1)', () => {
  let t: TestApp;
  let w: World;
  let other: World;
  const APP = 'cJjFaJ8nwHQA3mxVhR9g1bGk';
  const OTHER_APP = 'otherTenantApp0000000001';

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const backend = (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    key = w.key,
    app = APP,
  ) =>
    call(t.app, method, `/passage/v1/apps/${app}${path}`, {
      body,
      headers: bearer(key),
    });
  const browser = (path: string, body: unknown, app = APP, origin = ORIGIN) =>
    call(t.app, 'POST', `/passage/v1/apps/${app}${path}`, {
      body,
      headers: { origin, 'passage-flex-version': '@passageidentity/passage-flex-js 1.0.2' },
    });

  /** A Passage error: `{code, error}` as application/json, nothing else. */
  function expectPassageError(res: Response, status: number, code: string): void {
    expect({ status: res.statusCode, body: res.json() }).toEqual({
      status,
      body: { code, error: expect.any(String) },
    });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  }

  /** What passage-flex-js sends as handshake_response: built by hand, not toJSON(). */
  function sdkRegistration(json: any) {
    return {
      rawId: json.rawId,
      id: json.id,
      type: json.type,
      response: {
        attestationObject: json.response.attestationObject,
        clientDataJSON: json.response.clientDataJSON,
      },
      transports: json.response.transports ?? ['internal'],
    };
  }
  function sdkAuthentication(json: any) {
    return {
      id: json.id,
      rawId: json.rawId,
      type: json.type,
      response: {
        clientDataJSON: json.response.clientDataJSON,
        authenticatorData: json.response.authenticatorData,
        signature: json.response.signature,
        userHandle: json.response.userHandle ?? '',
      },
    };
  }

  async function transaction(kind: 'register' | 'authenticate', externalId: string) {
    const res = await backend(
      'POST',
      `/transactions/${kind}`,
      kind === 'register'
        ? { external_id: externalId, passkey_display_name: `${externalId}@example.com` }
        : { external_id: externalId },
    );
    expectStatus(res, 201);
    expect(Object.keys(res.json())).toEqual(['transaction_id']);
    return res.json().transaction_id as string;
  }

  /** passkey.register(transactionId) as the SDK does it; returns the nonce. */
  async function sdkRegister(device: SoftAuthenticator, transactionId: string, app = APP) {
    const started = await browser(
      '/register/transactions/webauthn/start',
      { transaction_id: transactionId, authenticator_attachment: 'platform' },
      app,
    );
    expectStatus(started, 200);
    const { handshake } = started.json();
    const credential = device.register(handshake.challenge.publicKey, ORIGIN);
    const finished = await browser(
      '/register/transactions/webauthn/finish',
      {
        handshake_id: handshake.id,
        handshake_response: sdkRegistration(credential),
        transaction_id: transactionId,
      },
      app,
    );
    expectStatus(finished, 200);
    return finished.json().nonce as string;
  }

  /**
   * passkey.authenticate({transactionId}) — or username-less without one (undefined: the member
   * left out; null: sent as null, as the SDK does with a null it was given).
   */
  async function sdkAuthenticate(device: SoftAuthenticator, transactionId?: string | null) {
    const sent = transactionId !== undefined ? { transaction_id: transactionId } : {};
    const started = await browser('/authenticate/transactions/webauthn/start', sent);
    expectStatus(started, 200);
    const { handshake } = started.json();
    const credential = device.authenticate(handshake.challenge.publicKey, ORIGIN);
    const finished = await browser('/authenticate/transactions/webauthn/finish', {
      handshake_id: handshake.id,
      handshake_response: sdkAuthentication(credential),
      ...sent,
    });
    expectStatus(finished, 200);
    return finished.json().nonce as string;
  }

  const verify = (nonce: string, key = w.key, app = APP) =>
    backend('POST', '/authenticate/verify', { nonce }, key, app);

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    w = await passkeyWorld(t.app);
    other = await passkeyWorld(t.app);
    const create = async (world: World, appId: string) => {
      const res = await call(t.app, 'POST', `${world.rpUrl}/passageApps`, {
        key: world.key,
        body: { appId, registrationPolicy: 'default', authenticationPolicy: 'default' },
      });
      expectStatus(res, 201);
      return res.json();
    };
    expect(await create(w, APP)).toMatchObject({
      appId: APP,
      storeName: 'shop',
      rpId: 'localhost',
      baseUrl: expect.stringMatching(/\/passage\/v1$/),
    });
    await create(other, OTHER_APP);
  });
  afterAll(() => t.close());

  it('runs the Passkey Flex flow: register, step-up, username-less, each verified to its external id', async () => {
    const device = new SoftAuthenticator();
    const registered = await sdkRegister(device, await transaction('register', 'flex-user-1'));
    const verified = await verify(registered);
    expectStatus(verified, 200);
    expect(verified.json()).toEqual({
      external_id: 'flex-user-1',
      result_token: expect.any(String),
    });

    const stepUp = await sdkAuthenticate(device, await transaction('authenticate', 'flex-user-1'));
    expect((await verify(stepUp)).json().external_id).toBe('flex-user-1');

    // username-less: no transaction; the finish sends only the handshake id
    const usernameless = await sdkAuthenticate(device);
    expect((await verify(usernameless)).json().external_id).toBe('flex-user-1');

    // a nonce is single use: Passage's 401 invalid_nonce
    expectPassageError(await verify(usernameless), 401, 'invalid_nonce');
    // a nonce whose passkey no longer qualifies is one Passage's SDKs know: 401 invalid_nonce
    const unusable = await sdkAuthenticate(
      device,
      await transaction('authenticate', 'flex-user-1'),
    );
    const listed = await backend('GET', '/users?identifier=flex-user-1&limit=1');
    const passageUserId = listed.json().users[0].id as string;
    const devices = (await backend('GET', `/users/${passageUserId}/devices`)).json().devices;
    for (const d of devices as { id: string }[])
      await call(t.app, 'POST', `${w.storeUrl}/users/${passageUserId}/passkeys/${d.id}`, {
        key: w.key,
        body: { status: 'SUSPENDED' },
      });
    const refused = await verify(unusable);
    expectPassageError(refused, 401, 'invalid_nonce');
    expect(refused.json().error).toMatch(/SUSPENDED/);
    for (const d of devices as { id: string }[])
      await call(t.app, 'POST', `${w.storeUrl}/users/${passageUserId}/passkeys/${d.id}`, {
        key: w.key,
        body: { status: 'ACTIVE' },
      });
  });

  it('adds a passkey to an existing user, as Passage register transactions did', async () => {
    await sdkRegister(new SoftAuthenticator(), await transaction('register', 'flex-user-2'));
    await sdkRegister(new SoftAuthenticator(), await transaction('register', 'flex-user-2'));
    const list = await backend('GET', '/users?identifier=flex-user-2&limit=1');
    expectStatus(list, 200);
    const [user] = list.json().users;
    const got = await backend('GET', `/users/${user.id}`);
    expectStatus(got, 200);
    expect(got.json().user).toMatchObject({
      external_id: 'flex-user-2',
      webauthn: true,
      webauthn_types: expect.any(Array),
      recent_events: [],
    });
    expect(got.json().user.webauthn_devices).toHaveLength(2);
    // never signed in: Go's zero time, a string, as Passage answered (the SDKs type it so)
    expect(user.last_login_at).toBe('0001-01-01T00:00:00Z');
    for (const device of got.json().user.webauthn_devices)
      expect(device.last_login_at).toBe('0001-01-01T00:00:00Z');
  });

  it('answers user_has_no_passkeys (409) and user_not_found in Passage shape', async () => {
    await call(t.app, 'POST', `${w.storeUrl}/users`, {
      key: w.key,
      body: { externalId: 'no-passkeys', userName: 'np' },
    });
    expectPassageError(
      await backend('POST', '/transactions/authenticate', { external_id: 'no-passkeys' }),
      409,
      'user_has_no_passkeys',
    );
    expectPassageError(
      await backend('POST', '/transactions/authenticate', { external_id: 'nobody' }),
      404,
      'user_not_found',
    );
    expectPassageError(await backend('GET', '/users/not-a-uuid'), 404, 'user_not_found');
    expectPassageError(
      await backend('POST', '/transactions/register', { external_id: 'x' }),
      400,
      'invalid_request',
    );
  });

  it('lists, reads and revokes devices the way passage-flex-node does', async () => {
    await sdkRegister(new SoftAuthenticator(), await transaction('register', 'flex-user-3'));
    const list = await backend('GET', '/users?identifier=flex-user-3&limit=1');
    expect(list.json()).toMatchObject({
      total_users: 1,
      limit: 1,
      page: 1,
      _links: { self: { href: expect.any(String) } },
    });
    const userId = list.json().users[0].id;
    const devices = await backend('GET', `/users/${userId}/devices`);
    expectStatus(devices, 200);
    const [device] = devices.json().devices;
    expect(device).toMatchObject({
      id: expect.any(String),
      cred_id: expect.any(String),
      friendly_name: 'flex-user-3@example.com',
      usage_count: 0,
      type: expect.stringMatching(/^(passkey|platform|security_key)$/),
    });
    expectStatus(await backend('DELETE', `/users/${userId}/devices/${device.id}`), 200);
    expect((await backend('GET', `/users/${userId}/devices`)).json().devices).toEqual([]);
    expectPassageError(
      await backend('DELETE', `/users/${userId}/devices/${device.id}`),
      404,
      'device_not_found',
    );
    // revoked: the user has no passkey to step up with
    expectPassageError(
      await backend('POST', '/transactions/authenticate', { external_id: 'flex-user-3' }),
      409,
      'user_has_no_passkeys',
    );
  });

  describe('attacks', () => {
    it('wrong app id: an unknown app, and a transaction reached through another app, are 404s', async () => {
      const txId = await transaction('register', 'flex-wrong-app');
      expectPassageError(
        await browser(
          '/register/transactions/webauthn/start',
          { transaction_id: txId },
          'noSuchApp',
        ),
        404,
        'app_not_found',
      );
      // the other tenant's app: the transaction does not exist there
      expectPassageError(
        await browser('/register/transactions/webauthn/start', { transaction_id: txId }, OTHER_APP),
        404,
        'transaction_not_found',
      );
      // the right app, the wrong ceremony: a register transaction on the authenticate route
      expectPassageError(
        await browser('/authenticate/transactions/webauthn/start', { transaction_id: txId }),
        404,
        'transaction_not_found',
      );
      // none of it used the transaction up
      await sdkRegister(new SoftAuthenticator(), txId);
    });

    it("another tenant's transaction or nonce through the Passage routes: not found, nothing spent", async () => {
      const nonce = await sdkRegister(
        new SoftAuthenticator(),
        await transaction('register', 'flex-isolated'),
      );
      // the other tenant, with its own key and its own app, tries A's nonce
      expectPassageError(await verify(nonce, other.key, OTHER_APP), 401, 'invalid_nonce');
      // and A's app id with its own key: A's app does not exist in its tenant
      expectPassageError(await verify(nonce, other.key, APP), 404, 'app_not_found');
      expectPassageError(
        await backend(
          'POST',
          '/transactions/register',
          { external_id: 'intruder', passkey_display_name: 'x' },
          other.key,
          APP,
        ),
        404,
        'app_not_found',
      );
      expectPassageError(
        await backend('GET', '/users?identifier=flex-isolated', undefined, other.key),
        404,
        'app_not_found',
      );
      // A still redeems it: nothing was spent
      expect((await verify(nonce)).json().external_id).toBe('flex-isolated');
    });

    it('Bearer JWT vs API key: both on /passage/v1; a bearer API key nowhere else', async () => {
      const minted = (res: Response) => expectStatus(res, 201);
      const body = { external_id: 'flex-bearer', passkey_display_name: 'b' };
      const url = `/passage/v1/apps/${APP}/transactions/register`;
      minted(await call(t.app, 'POST', url, { body, headers: bearer(w.key) }));
      minted(await call(t.app, 'POST', url, { body, token: await issueToken(t.app, w.key) }));
      minted(await call(t.app, 'POST', url, { body, key: w.key }));
      expectPassageError(
        await call(t.app, 'POST', url, { body, headers: bearer(`${w.key}x`) }),
        401,
        'invalid_access_token',
      );
      expectPassageError(
        await call(t.app, 'POST', url, { body, headers: bearer('a.b.c') }),
        401,
        'invalid_access_token',
      );
      expectPassageError(await call(t.app, 'POST', url, { body }), 401, 'invalid_access_token');
      // elsewhere a bearer is a token: the API key in it is refused
      const native = await call(t.app, 'GET', '/api/identity-store/stores', {
        headers: bearer(w.key),
      });
      expect(native.statusCode).toBe(401);
      expect(native.json().code).toBe('UNAUTHENTICATED');
    });

    it('needs the same permissions as the native routes', async () => {
      const verifier = await createKey(t.app, w.tenant, [
        `TNT#${w.tenant}#IdentityStore:verifyNonce`,
      ]);
      expectPassageError(
        await backend(
          'POST',
          '/transactions/register',
          { external_id: 'p', passkey_display_name: 'p' },
          verifier.key,
        ),
        403,
        'operation_not_allowed',
      );
      expectPassageError(await verify('x'.repeat(43), verifier.key), 401, 'invalid_nonce');
    });

    it("a CORS preflight from a foreign origin gets no CORS headers; the app's origin gets the SDK's header allowed", async () => {
      const preflight = (origin: string, app = APP) =>
        call(t.app, 'OPTIONS', `/passage/v1/apps/${app}/register/transactions/webauthn/start`, {
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type,passage-flex-version',
          },
        });
      const foreign = await preflight('https://evil.example');
      expect(foreign.statusCode).toBe(204);
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      const own = await preflight(ORIGIN);
      expect(own.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(own.headers['access-control-allow-headers']).toContain('passage-flex-version');
      // what tracing set-ups add to a page's cross-origin calls
      for (const header of ['traceparent', 'tracestate', 'baggage', 'sentry-trace'])
        expect(own.headers['access-control-allow-headers']).toContain(header);
      // another tenant's app does not admit this origin's relying party... it is the same
      // localhost, so the origin is the relying party's: the unknown app is the case to check
      expect(
        (await preflight(ORIGIN, 'noSuchApp')).headers['access-control-allow-origin'],
      ).toBeUndefined();
      // the backend routes answer no CORS at all
      const api = await call(t.app, 'OPTIONS', `/passage/v1/apps/${APP}/transactions/register`, {
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
      });
      expect(api.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("a nonce of a weaker policy of the same store is not this app's proof (and is not spent)", async () => {
      const device = new SoftAuthenticator();
      await sdkRegister(device, await transaction('register', 'flex-downgrade'));
      // the native route, with the store's 'lenient' policy (no user verification)
      const minted = await call(t.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: 'flex-downgrade', authenticationPolicy: 'lenient' },
      });
      const txId = minted.json().transactionId;
      const native = (path: string, body: unknown) =>
        call(t.app, 'POST', `/api/identity-store/browser/transactions/${txId}/${path}`, {
          body,
          headers: { origin: ORIGIN },
        });
      const options = (await native('start', {})).json().clientRequest;
      const finished = await native('finish', {
        clientResponse: device.authenticate(options, ORIGIN),
      });
      expectStatus(finished, 200);
      const nonce = finished.json().nonce;
      expectPassageError(await verify(nonce), 401, 'invalid_nonce');
      // the native redemption, store-wide, still has it
      const redeemed = await call(t.app, 'POST', `${w.storeUrl}/passkeys/nonces/verify`, {
        key: w.key,
        body: { nonce },
      });
      expectStatus(redeemed, 200);
    });

    it('refuses external ids the rest of the API refuses (control characters, spaces, slashes)', async () => {
      for (const externalId of ['line\nbreak\u001b[31m', 'a b', 'a/b?c#d%e', ' ']) {
        expectPassageError(
          await backend('POST', '/transactions/register', {
            external_id: externalId,
            passkey_display_name: 'x',
          }),
          400,
          'invalid_request',
        );
      }
    });

    it('shows devices in a user only to a key that may list passkeys', async () => {
      await sdkRegister(new SoftAuthenticator(), await transaction('register', 'flex-devices'));
      const reader = await createKey(t.app, w.tenant, [
        `TNT#${w.tenant}#IdentityStore:listUsers`,
        `TNT#${w.tenant}#IdentityStore:getUser`,
      ]);
      const list = await backend('GET', '/users?identifier=flex-devices', undefined, reader.key);
      const userId = list.json().users[0].id;
      const limited = (await backend('GET', `/users/${userId}`, undefined, reader.key)).json().user;
      expect(limited).toMatchObject({ webauthn: true, webauthn_devices: [], webauthn_types: [] });
      const full = (await backend('GET', `/users/${userId}`)).json().user;
      expect(full.webauthn_devices).toHaveLength(1);
    });

    it('a finish whose transaction_id differs from its handshake is refused', async () => {
      const a = await transaction('register', 'flex-mismatch');
      const b = await transaction('register', 'flex-mismatch-2');
      const started = await browser('/register/transactions/webauthn/start', { transaction_id: a });
      const credential = new SoftAuthenticator().register(
        started.json().handshake.challenge.publicKey,
        ORIGIN,
      );
      expectPassageError(
        await browser('/register/transactions/webauthn/finish', {
          handshake_id: a,
          handshake_response: sdkRegistration(credential),
          transaction_id: b,
        }),
        404,
        'transaction_not_found',
      );
    });

    it('a username-less sign-in whose SDK sends transaction_id: null or "" (the Flutter plugin takes no null) reads it as absent', async () => {
      const device = new SoftAuthenticator();
      await sdkRegister(device, await transaction('register', 'flex-null-tx'));
      for (const none of [null, '']) {
        expect((await verify(await sdkAuthenticate(device, none))).json()).toMatchObject({
          external_id: 'flex-null-tx',
        });
      }
    });
  });

  describe('Passage apps (management)', () => {
    const apps = (world: World) => `${world.rpUrl}/passageApps`;

    it('creates with a random id or the old one, lists, reads, deletes; app ids are global', async () => {
      const made = await call(t.app, 'POST', apps(w), {
        key: w.key,
        body: { registrationPolicy: 'default', authenticationPolicy: 'lenient', name: 'Second' },
      });
      expectStatus(made, 201);
      expect(made.json().appId).toMatch(/^[A-Za-z0-9]{24}$/);
      const taken = await call(t.app, 'POST', apps(other), {
        key: other.key,
        body: { appId: APP, registrationPolicy: 'default', authenticationPolicy: 'default' },
      });
      expect({ status: taken.statusCode, code: taken.json().code }).toEqual({
        status: 409,
        code: 'PASSAGE_APP_ID_TAKEN',
      });
      const list = await call(t.app, 'GET', apps(w), { key: w.key });
      expect(list.json().content.map((a: { appId: string }) => a.appId)).toEqual(
        expect.arrayContaining([APP, made.json().appId]),
      );
      const id = made.json().appId;
      expectStatus(await call(t.app, 'GET', `${apps(w)}/${id}`, { key: w.key }), 200);
      expectStatus(await call(t.app, 'DELETE', `${apps(w)}/${id}`, { key: w.key }), 204);
      expect((await call(t.app, 'GET', `${apps(w)}/${id}`, { key: w.key })).statusCode).toBe(404);
      expectPassageError(
        await browser('/authenticate/transactions/webauthn/start', {}, id),
        404,
        'app_not_found',
      );
    });

    it('refuses an app whose policies do not exist', async () => {
      const res = await call(t.app, 'POST', apps(w), {
        key: w.key,
        body: { registrationPolicy: 'nope', authenticationPolicy: 'default' },
      });
      expect(res.json().code).toBe('REGISTRATION_POLICY_NOT_FOUND');
    });
  });
});

describe('Passage browser routes rate limit', () => {
  it("shares the browser routes' per-IP counters and answers 429 rate_limited in Passage shape", async () => {
    const t = await createTestApp({
      config: { browserRateLimit: 3, browserRateLimitWindowSeconds: 60 },
    });
    await startInsideRateWindow();
    try {
      const native = () =>
        t.app.inject({
          method: 'POST',
          url: `/api/identity-store/browser/transactions/${'B'.repeat(43)}/start`,
          payload: {},
        });
      const passage = () =>
        t.app.inject({
          method: 'POST',
          url: '/passage/v1/apps/someApp/register/transactions/webauthn/start',
          payload: { transaction_id: 'B'.repeat(43) },
        });
      expect([(await native()).statusCode, (await passage()).statusCode]).toEqual([404, 404]);
      expect((await native()).statusCode).toBe(404);
      const limited = await passage();
      expect({ status: limited.statusCode, body: limited.json() }).toEqual({
        status: 429,
        body: { code: 'rate_limited', error: expect.any(String) },
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // a percent-encoded path reaches the same routes: it is counted (and refused) too
      for (const url of [
        '/passage/v1/%61pps/someApp/authenticate/transactions/webauthn/st%61rt',
        `/api/identity-store/%62rowser/transactions/${'B'.repeat(43)}/start`,
      ]) {
        const encoded = await t.app.inject({ method: 'POST', url, payload: {} });
        expect({ url, status: encoded.statusCode }).toEqual({ url, status: 429 });
      }
      // the backend's nonce verification is no browser route: the integrator's servers are not
      // counted against the browsers' limit (here: no key, so 401, not 429)
      const verify = await t.app.inject({
        method: 'POST',
        url: '/passage/v1/apps/someApp/authenticate/verify',
        payload: { nonce: 'x' },
      });
      expect(verify.statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
