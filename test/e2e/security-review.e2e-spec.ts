/**
 * Issue 12, as an attacker tries it: lockout without a key, the username-less oracle, §7.2
 * step 6 (userHandle) and BE/BS, 5xx without a key, and the browser routes' CORS errors.
 */
import type { Response } from 'light-my-request';
import { Client } from 'pg';
import { call, expectStatus } from '../support/api';
import {
  authenticate,
  authStartUrl,
  completeAuthentication,
  completeRegistration,
  discoverableStartUrl,
  registerPasskey,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { AuthenticationOverrides, SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';
import { startInsideRateWindow } from '../support/rate-window';

const BROWSER = '/api/identity-store/browser';

describe('security review: anonymous harm and WebAuthn to the letter', () => {
  let t: TestApp;
  let w: World;
  let db: Client;
  const browser = (path: string, body?: unknown, origin = ORIGIN) =>
    call(t.app, 'POST', `${BROWSER}/${path}`, { body: body ?? {}, headers: { origin } });
  const usernamelessPath = () =>
    `${w.tenant}/stores/shop/relyingParties/localhost/authentications/default`;
  const userState = async (id: string) =>
    (await call(t.app, 'GET', `${w.storeUrl}/users/${id}`, { key: w.key })).json();

  /** A user with one discoverable passkey on `device`. */
  async function victim(device = new SoftAuthenticator()) {
    const user = await w.newUser();
    const reg = await registerPasskey(t.app, w, device, user.id);
    return { user, device, reg, credentialId: Buffer.from(reg.credentialId, 'base64url') };
  }

  /** The public username-less route: start (no key), then finish with a forged assertion. */
  async function anonymousUsernameless(
    device: SoftAuthenticator,
    overrides: AuthenticationOverrides,
  ): Promise<Response> {
    const started = await browser(usernamelessPath());
    expectStatus(started, 200);
    const { transactionId, clientRequest } = started.json();
    return browser(`transactions/${transactionId}/finish`, {
      clientResponse: device.authenticate(clientRequest, ORIGIN, overrides),
    });
  }

  const problemOf = (res: Response) => {
    const { status, code, detail, title, type } = res.json();
    return { statusCode: res.statusCode, status, code, detail, title, type };
  };

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 10_000 } });
    // the store's default lock configuration: 5 failures, 3 temp locks, then LOCKED
    w = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  describe('lockout', () => {
    it("no key, no lock: 20 public username-less finishes with the victim's credential id and a junk signature leave the victim untouched", async () => {
      const { user, device, credentialId } = await victim();
      for (let i = 0; i < 20; i++) {
        const res = await anonymousUsernameless(device, {
          credentialId,
          tamperSignature: true,
          userHandle: null,
        });
        expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED');
      }
      expect(await userState(user.id)).toMatchObject({
        status: 'ACTIVE',
        lock: { failedAttempts: 0, lockCount: 0 },
      });
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
      // the failed sessions are not attributed to the victim either
      const { rows } = await db.query(
        "SELECT count(*)::int AS n FROM ceremony_sessions WHERE user_id = $1 AND status = 'FAILED'",
        [user.id],
      );
      expect(rows[0].n).toBe(0);
    });

    it("an integrator's username-less login (with a key) does not count unverified assertions either", async () => {
      const { user, device, credentialId } = await victim();
      for (let i = 0; i < 6; i++) {
        const started = await start(t.app, w.key, discoverableStartUrl(w, 'default'));
        const res = await completeAuthentication(
          t.app,
          w,
          started.sessionId,
          device.authenticate(started.clientRequest as never, ORIGIN, {
            credentialId,
            tamperSignature: true,
          }),
        );
        expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED');
      }
      expect(await userState(user.id)).toMatchObject({
        status: 'ACTIVE',
        lock: { failedAttempts: 0 },
      });
    });

    it('a bad signature for a known user (with a key) proves nothing and does not count', async () => {
      const { user, device } = await victim();
      for (let i = 0; i < 6; i++) {
        const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
        const res = await completeAuthentication(
          t.app,
          w,
          started.sessionId,
          device.authenticate(started.clientRequest as never, ORIGIN, { tamperSignature: true }),
        );
        expectProblem(res, 400, 'SIGNATURE_INVALID');
      }
      expect((await userState(user.id)).lock.failedAttempts).toBe(0);
    });

    it('a signed failure counts with a key, but not through the keyless step-up finish', async () => {
      const { user, device } = await victim();
      const mint = await call(t.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: user.externalId },
      });
      expectStatus(mint, 201);
      const { transactionId } = mint.json();
      const started = await browser(`transactions/${transactionId}/start`);
      const finished = await browser(`transactions/${transactionId}/finish`, {
        clientResponse: device.authenticate(started.json().clientRequest, ORIGIN, {
          userVerified: false,
        }),
      });
      expectProblem(finished, 400, 'USER_VERIFICATION_REQUIRED');
      expect((await userState(user.id)).lock.failedAttempts).toBe(0);

      const res = await authenticate(t.app, w, device, user.id, 'default', {
        userVerified: false,
      });
      expectProblem(res, 400, 'USER_VERIFICATION_REQUIRED');
      expect((await userState(user.id)).lock.failedAttempts).toBe(1);
    });
  });

  describe('username-less: no oracle for which credential ids exist', () => {
    it('a registered credential id with a junk signature and an unknown one answer alike', async () => {
      const { device, credentialId } = await victim();
      const known = await anonymousUsernameless(device, {
        credentialId,
        tamperSignature: true,
      });
      const unknownDevice = new SoftAuthenticator();
      const fresh = await start(t.app, w.key, regStartUrl(w, (await w.newUser()).id, 'default'));
      unknownDevice.register(fresh.clientRequest as never, ORIGIN); // never sent: unknown to us
      const unknown = await anonymousUsernameless(unknownDevice, {});
      const garbage = await (async () => {
        const started = await browser(usernamelessPath());
        const { transactionId, clientRequest } = started.json();
        const assertion = device.authenticate(clientRequest, ORIGIN, { credentialId });
        assertion.response.signature = Buffer.alloc(70, 1).toString('base64url'); // not DER
        return browser(`transactions/${transactionId}/finish`, { clientResponse: assertion });
      })();
      expectProblem(known, 400, 'CREDENTIAL_NOT_ALLOWED');
      expect(problemOf(unknown)).toEqual(problemOf(known));
      expect(problemOf(garbage)).toEqual(problemOf(known));
    });
  });

  describe('§7.2 step 6: the userHandle of a known user', () => {
    it('a session for a known user refuses an assertion whose userHandle belongs to nobody or to someone else', async () => {
      const { user, device } = await victim();
      const other = await victim();
      const { rows } = await db.query('SELECT handle FROM user_handles WHERE user_id = $1', [
        other.user.id,
      ]);
      const othersHandle = Buffer.from(rows[0].handle, 'base64url');
      for (const userHandle of [Buffer.from('nobody-at-all'), othersHandle]) {
        const res = await authenticate(t.app, w, device, user.id, 'default', { userHandle });
        expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED');
      }
      // its own handle, or none, is fine
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
      expectStatus(
        await authenticate(t.app, w, device, user.id, 'default', { userHandle: null }),
        200,
      );
    });
  });

  describe('BE must not change, BS may', () => {
    const passkeyOf = async (userId: string, passkeyId: string) =>
      (
        await call(t.app, 'GET', `${w.storeUrl}/users/${userId}/passkeys/${passkeyId}`, {
          key: w.key,
        })
      ).json();

    it('a credential registered with BE=0 that asserts BE=1 → BACKUP_ELIGIBILITY_CHANGED, and nothing is stored', async () => {
      const { user, device, reg } = await victim();
      const res = await authenticate(t.app, w, device, user.id, 'default', {
        backupEligible: true,
        backupState: true,
      });
      expectProblem(res, 400, 'BACKUP_ELIGIBILITY_CHANGED');
      expect(await passkeyOf(user.id, reg.passkeyId)).toMatchObject({
        backupEligible: false,
        backedUp: false,
      });
    });

    it('a credential registered with BE=1 may change BS (backed up later)', async () => {
      const device = new SoftAuthenticator({ backupEligible: true, backupState: false });
      const { user, reg } = await victim(device);
      const res = await authenticate(t.app, w, device, user.id, 'default', { backupState: true });
      expectStatus(res, 200);
      expect(res.json().backedUp).toBe(true);
      expect(await passkeyOf(user.id, reg.passkeyId)).toMatchObject({
        backupEligible: true,
        backedUp: true,
      });
      const dropped = await authenticate(t.app, w, device, user.id, 'default', {
        backupEligible: false,
      });
      expectProblem(dropped, 400, 'BACKUP_ELIGIBILITY_CHANGED');
    });
  });

  describe('no 5xx without a key', () => {
    it('a NUL or bad percent-encoding in a browser path segment, with an Origin header → 4xx problem+json', async () => {
      const paths = [
        `${w.tenant}/stores/%00/relyingParties/localhost/authentications/default`,
        `${w.tenant}/stores/shop/relyingParties/local%00host/authentications/default`,
        `${w.tenant}/stores/shop/relyingParties/localhost/authentications/def%00ault`,
        `${w.tenant}/stores/%E0%A4%A/relyingParties/localhost/authentications/default`,
        `transactions/%00/start`,
      ];
      for (const path of paths) {
        for (const method of ['POST', 'OPTIONS'] as const) {
          const res = await t.app.inject({
            method,
            url: `${BROWSER}/${path}`,
            headers: {
              origin: ORIGIN,
              'content-type': 'application/json',
              'access-control-request-method': 'POST',
            },
            payload: method === 'POST' ? '{}' : undefined,
          });
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          }
        }
      }
    });

    it('clientDataJSON that decodes to null, a number, a string or an array → 400 VERIFICATION_FAILED', async () => {
      const { user, device } = await victim();
      for (const json of ['null', '1', '"x"', '[]']) {
        const clientDataJSON = Buffer.from(json).toString('base64url');

        const auth = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
        const assertion = device.authenticate(auth.clientRequest as never, ORIGIN);
        assertion.response.clientDataJSON = clientDataJSON;
        expectProblem(
          await completeAuthentication(t.app, w, auth.sessionId, assertion),
          400,
          'VERIFICATION_FAILED',
        );

        const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
        const attestation = new SoftAuthenticator().register(reg.clientRequest as never, ORIGIN);
        attestation.response.clientDataJSON = clientDataJSON;
        expectProblem(
          await completeRegistration(t.app, w, reg.sessionId, attestation),
          400,
          'VERIFICATION_FAILED',
        );

        const started = await browser(usernamelessPath());
        const { transactionId, clientRequest } = started.json();
        const anonymous = device.authenticate(clientRequest, ORIGIN);
        anonymous.response.clientDataJSON = clientDataJSON;
        expectProblem(
          await browser(`transactions/${transactionId}/finish`, { clientResponse: anonymous }),
          400,
          'VERIFICATION_FAILED',
        );
      }
    });
  });

  describe('client text quoted by a failure', () => {
    const clientData = (challenge: string, extra: Record<string, unknown>) =>
      Buffer.from(
        JSON.stringify({ type: 'webauthn.get', challenge, origin: ORIGIN, ...extra }),
      ).toString('base64url');

    it('a NUL or an unpaired surrogate in clientData.origin (no key) → 400 ORIGIN_NOT_ALLOWED, never a 500', async () => {
      const { device, credentialId } = await victim();
      for (const origin of ['http://x\u0000y', 'http://x\ud800y']) {
        const started = await browser(usernamelessPath());
        const { transactionId, clientRequest } = started.json();
        const assertion = device.authenticate(clientRequest, ORIGIN, { credentialId });
        assertion.response.clientDataJSON = clientData(clientRequest.challenge, { origin });
        const res = await browser(`transactions/${transactionId}/finish`, {
          clientResponse: assertion,
        });
        expectProblem(res, 400, 'ORIGIN_NOT_ALLOWED');
      }
    });

    it('a NUL in tokenBinding.status, which SimpleWebAuthn quotes, → 400 and a stored failure', async () => {
      const { user, device } = await victim();
      const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
      const assertion = device.authenticate(started.clientRequest as never, ORIGIN);
      const challenge = (started.clientRequest as { challenge: string }).challenge;
      assertion.response.clientDataJSON = clientData(challenge, {
        tokenBinding: { status: 'x\u0000' },
      });
      // (JSON.stringify writes the NUL as an escape; the server's JSON.parse makes it a NUL again)
      const res = await completeAuthentication(t.app, w, started.sessionId, assertion);
      expect(res.statusCode).toBe(400);
      const session = await call(
        t.app,
        'GET',
        `${w.storeUrl}/passkeys/authentications/sessions/${started.sessionId}`,
        {
          key: w.key,
        },
      );
      expect(session.json()).toMatchObject({ status: 'FAILED' });
    });
  });

  describe('browser routes: errors the page can read, without widening who may call', () => {
    it('an unknown or purged transaction: the preflight passes for any origin and TRANSACTION_NOT_FOUND is readable', async () => {
      const unknown = Buffer.alloc(32, 7).toString('base64url');
      for (const step of ['start', 'finish']) {
        const preflight = await t.app.inject({
          method: 'OPTIONS',
          url: `${BROWSER}/transactions/${unknown}/${step}`,
          headers: {
            origin: 'https://shop.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
        expect(preflight.statusCode).toBe(204);
        expect(preflight.headers).toMatchObject({
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
        });
        const res = await browser(
          `transactions/${unknown}/${step}`,
          { clientResponse: {} },
          'https://shop.example',
        );
        expectProblem(res, 404, 'TRANSACTION_NOT_FOUND');
        expect(res.headers['access-control-allow-origin']).toBe('*');
      }
      // a transaction that exists still answers only its relying party's origins
      const minted = await call(t.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: (await victim()).user.externalId },
      });
      const real = await browser(
        `transactions/${minted.json().transactionId}/start`,
        {},
        'https://shop.example',
      );
      expect(real.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('the public username-less start answers one code for a missing tenant, store, relying party or policy', async () => {
      await w.post(`${w.rpUrl}/authenticationPolicies`, {
        name: 'no-usernameless',
        allowDiscoverable: false,
      });
      const targets = [
        `no-such-tenant/stores/shop/relyingParties/localhost/authentications/default`,
        `${w.tenant}/stores/no-such-store/relyingParties/localhost/authentications/default`,
        `${w.tenant}/stores/shop/relyingParties/no-such.example/authentications/default`,
        `${w.tenant}/stores/shop/relyingParties/localhost/authentications/no-such-policy`,
        `${w.tenant}/stores/shop/relyingParties/localhost/authentications/no-usernameless`,
      ];
      const answers = [];
      for (const target of targets) {
        const res = await browser(target);
        expectProblem(res, 404, 'RELYING_PARTY_NOT_FOUND');
        answers.push(problemOf(res));
        // nor do the CORS headers tell them apart, even for the relying party's own origin
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect((await browser(usernamelessPath())).headers['access-control-allow-origin']).toBe(
        ORIGIN,
      );
    });
  });
});

describe('security review: behind a trusted proxy', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp({ config: { trustProxy: 1 } });
    w = await passkeyWorld(t.app);
  });
  afterAll(() => t.close());

  const start = (forwardedFor: string) =>
    call(
      t.app,
      'POST',
      `${BROWSER}/${w.tenant}/stores/shop/relyingParties/localhost/authentications/default`,
      { body: {}, headers: { origin: ORIGIN, 'x-forwarded-for': forwardedFor } },
    );

  it('an X-Forwarded-For that is not an address is a 400 problem (no key), not a 500', async () => {
    expectProblem(await start('a'.repeat(100)), 400, 'MALFORMED_REQUEST');
    expectProblem(await start('not-an-ip'), 400, 'MALFORMED_REQUEST');
    expectStatus(await start('203.0.113.9'), 200);
  });
});

describe('security review: the browser routes are limited before they read anything', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 3 } });
    w = await passkeyWorld(t.app);
  });
  afterAll(() => t.close());

  it('preflights count towards the per-IP limit, and the 429 is readable by any page', async () => {
    await startInsideRateWindow();
    const preflight = () =>
      t.app.inject({
        method: 'OPTIONS',
        url: `${BROWSER}/${w.tenant}/stores/shop/relyingParties/localhost/authentications/default`,
        headers: {
          origin: 'https://elsewhere.example',
          'access-control-request-method': 'POST',
        },
      });
    for (let i = 0; i < 3; i++) expect((await preflight()).statusCode).toBe(204);
    const limited = await preflight();
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.headers['access-control-allow-origin']).toBe('*');
  });
});
