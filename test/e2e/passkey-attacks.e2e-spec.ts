/**
 * The negative suite: each test is an attack or a broken client, and names the code it gets.
 * A failed completion leaves the session FAILED with that code.
 */
import { Client } from 'pg';
import { call, expectStatus } from '../support/api';
import {
  authenticate,
  authSessionUrl,
  authStartUrl,
  completeAuthentication,
  completeRegistration,
  registerPasskey,
  regSessionUrl,
  regStartUrl,
  start,
  Where,
} from '../support/ceremonies';
import { cappedWorld, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { AuthenticationOverrides, SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

describe('passkey ceremonies: attacks and broken clients', () => {
  let t: TestApp;
  let w: World;
  let db: Client;
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app, {
      lockConfiguration: { maxFailedAttempts: 3, tempLockSeconds: 60, maxTempLocksBeforeLock: 2 },
    });
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  /** A user with one registered passkey on `device`. */
  async function enrolled(device = new SoftAuthenticator()) {
    const user = await w.newUser();
    const reg = await registerPasskey(t.app, w, device, user.id);
    return { user, device, reg };
  }

  /** Starts an authentication and completes it with a forged assertion; expects `code`. */
  async function failAuth(
    userId: string,
    device: SoftAuthenticator,
    code: string,
    overrides: AuthenticationOverrides = {},
    policy = 'default',
    where: Where = w,
  ) {
    const started = await start(t.app, w.key, authStartUrl(where, userId, policy));
    const res = await completeAuthentication(
      t.app,
      where,
      started.sessionId,
      device.authenticate(started.clientRequest as never, where.origin, overrides),
    );
    const status = code === 'COUNTER_REGRESSION' || code.endsWith('_MISMATCH') ? 400 : 400;
    expectProblem(res, status, code);
    const session = (
      await call(t.app, 'GET', authSessionUrl(where, started.sessionId), { key: w.key })
    ).json();
    expect(session).toMatchObject({ status: 'FAILED', failure: { code } });
    return started;
  }

  const userState = async (id: string) =>
    (await call(t.app, 'GET', `${w.storeUrl}/users/${id}`, { key: w.key })).json();

  it('wrong origin → ORIGIN_NOT_ALLOWED', async () => {
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'ORIGIN_NOT_ALLOWED', { origin: 'https://evil.example' });
  });

  it('wrong rpId → RP_ID_MISMATCH', async () => {
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'RP_ID_MISMATCH', { rpId: 'evil.example' });
  });

  it('wrong challenge → CHALLENGE_MISMATCH', async () => {
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'CHALLENGE_MISMATCH', {
      challenge: Buffer.from('another-challenge-entirely').toString('base64url'),
    });
  });

  it('an assertion made for another session → CHALLENGE_MISMATCH', async () => {
    const { user, device } = await enrolled();
    const first = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const second = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const forFirst = device.authenticate(first.clientRequest as never, w.origin);
    expectProblem(
      await completeAuthentication(t.app, w, second.sessionId, forFirst),
      400,
      'CHALLENGE_MISMATCH',
    );
  });

  it('a registration response on an authentication, and vice versa → type mismatch', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const forged = device.register(reg.clientRequest as never, w.origin, { type: 'webauthn.get' });
    expectProblem(
      await completeRegistration(t.app, w, reg.sessionId, forged),
      400,
      'CLIENT_DATA_TYPE_MISMATCH',
    );
  });

  it('an authentication response made by webauthn.create → CLIENT_DATA_TYPE_MISMATCH', async () => {
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'CLIENT_DATA_TYPE_MISMATCH', { type: 'webauthn.create' });
  });

  it('a topOrigin (a cross-origin iframe) with crossOrigin false → ORIGIN_NOT_ALLOWED, at registration and authentication (L3 §7.1 step 11, §7.2 step 15)', async () => {
    const iframe = { clientDataExtra: { crossOrigin: false, topOrigin: 'https://evil.example' } };
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'ORIGIN_NOT_ALLOWED', iframe);
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    expectProblem(
      await completeRegistration(
        t.app,
        w,
        reg.sessionId,
        device.register(reg.clientRequest as never, w.origin, iframe),
      ),
      400,
      'ORIGIN_NOT_ALLOWED',
    );
  });

  it('a registration session completed on the authentication route → SESSION_NOT_FOUND, and it stays pending', async () => {
    const { user, device } = await enrolled();
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const auth = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    // a real assertion, answering the registration session's challenge
    const assertion = device.authenticate(
      { ...(auth.clientRequest as object), challenge: reg.clientRequest.challenge } as never,
      w.origin,
    );
    expectProblem(
      await completeAuthentication(t.app, w, reg.sessionId, assertion),
      404,
      'SESSION_NOT_FOUND',
    );
    const session = await call(t.app, 'GET', regSessionUrl(w, reg.sessionId), { key: w.key });
    expect(session.json()).toMatchObject({ status: 'PENDING' });
  });

  describe('registration steps we own, through the service', () => {
    const register = async (overrides: Record<string, unknown>) => {
      const user = await w.newUser();
      const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
      const res = await completeRegistration(
        t.app,
        w,
        reg.sessionId,
        new SoftAuthenticator().register(reg.clientRequest as never, w.origin, overrides),
      );
      const passkeys = await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, {
        key: w.key,
      });
      expect(passkeys.json().content).toEqual([]);
      return res;
    };

    it('a credential id over 1023 bytes (L3 §7.1 step 22) → refused, nothing stored', async () => {
      const res = await register({ credentialId: Buffer.alloc(1024, 7) });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(/1-1023 bytes/);
    });

    it('UP not set (§7.1 step 14) → USER_PRESENCE_REQUIRED, nothing stored', async () => {
      expectProblem(await register({ userPresent: false }), 400, 'USER_PRESENCE_REQUIRED');
    });

    it('BS set without BE (§6.1.3) → refused, nothing stored', async () => {
      const res = await register({ backupEligible: false, backupState: true });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('a policy edited between start and completion: the session keeps what it started with', () => {
    it.each([
      ['required', 'discouraged', 400],
      ['discouraged', 'required', 200],
    ])(
      'userVerification %s at the start, %s at the completion: an assertion without UV → %i',
      async (before, after, status) => {
        const name = `uv-${before}-${Date.now()}`;
        const policies = `${w.storeUrl}/passkeys/relyingParties/localhost/authenticationPolicies`;
        expectStatus(
          await call(t.app, 'POST', policies, {
            key: w.key,
            body: { name, userVerification: before },
          }),
          201,
        );
        const { user, device } = await enrolled();
        const started = await start(t.app, w.key, authStartUrl(w, user.id, name));
        expectStatus(
          await call(t.app, 'POST', `${policies}/${name}`, {
            key: w.key,
            body: { userVerification: after },
          }),
          200,
        );
        const res = await completeAuthentication(
          t.app,
          w,
          started.sessionId,
          device.authenticate(started.clientRequest as never, w.origin, { userVerified: false }),
        );
        if (status === 200) expectStatus(res, 200);
        else expectProblem(res, 400, 'USER_VERIFICATION_REQUIRED');
      },
    );
  });

  it('a passkey registered after the start, which the options did not offer → CREDENTIAL_NOT_ALLOWED (§7.2 step 5)', async () => {
    const { user, device } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const later = new SoftAuthenticator();
    await registerPasskey(t.app, w, later, user.id);
    const res = await completeAuthentication(
      t.app,
      w,
      started.sessionId,
      // a client that ignores the list the options gave
      later.authenticate(
        { ...(started.clientRequest as object), allowCredentials: [] } as never,
        w.origin,
      ),
    );
    expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED');
    // the offered one still completes a new session
    expectStatus(await authenticate(t.app, w, device, user.id), 200);
  });

  it('expired session → SESSION_EXPIRED', async () => {
    const { user, device } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    await db.query(
      "UPDATE ceremony_sessions SET expires_at = now() - interval '1 second' WHERE id = $1",
      [started.sessionId],
    );
    const res = await completeAuthentication(
      t.app,
      w,
      started.sessionId,
      device.authenticate(started.clientRequest as never, w.origin),
    );
    expectProblem(res, 410, 'SESSION_EXPIRED');
    expect(
      (await call(t.app, 'GET', authSessionUrl(w, started.sessionId), { key: w.key })).json()
        .status,
    ).toBe('EXPIRED');
    expect((await userState(user.id)).lock.failedAttempts).toBe(0); // expired sessions do not count
  });

  it('completion twice (a replayed response) → SESSION_ALREADY_COMPLETED', async () => {
    const { user, device } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const response = device.authenticate(started.clientRequest as never, w.origin);
    expectStatus(await completeAuthentication(t.app, w, started.sessionId, response), 200);
    expectProblem(
      await completeAuthentication(t.app, w, started.sessionId, response),
      409,
      'SESSION_ALREADY_COMPLETED',
    );
  });

  it('20 concurrent completions of one session → exactly one succeeds', async () => {
    const { user, device } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const response = device.authenticate(started.clientRequest as never, w.origin);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        completeAuthentication(t.app, w, started.sessionId, response),
      ),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(
      results
        .filter((r) => r.statusCode === 409)
        .every((r) => r.json().code === 'SESSION_ALREADY_COMPLETED'),
    ).toBe(true);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(19);
    const passkeys = (
      await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, { key: w.key })
    ).json().content;
    expect(passkeys[0].useCount).toBe(1);
  });

  it('20 concurrent registrations completions → exactly one passkey', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const response = device.register(started.clientRequest as never, w.origin);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => completeRegistration(t.app, w, started.sessionId, response)),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(
      (await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, { key: w.key })).json()
        .content,
    ).toHaveLength(1);
  });

  it('UV required but absent → USER_VERIFICATION_REQUIRED (registration and authentication)', async () => {
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'USER_VERIFICATION_REQUIRED', { userVerified: false });
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    expectProblem(
      await completeRegistration(
        t.app,
        w,
        reg.sessionId,
        device.register(reg.clientRequest as never, w.origin, { userVerified: false }),
      ),
      400,
      'USER_VERIFICATION_REQUIRED',
    );
  });

  it('UV absent is accepted where the policy does not require it', async () => {
    const { user, device } = await enrolled();
    const res = await authenticate(t.app, w, device, user.id, 'lenient', { userVerified: false });
    expectStatus(res, 200);
    expect(res.json().userVerified).toBe(false);
  });

  it('UP absent → USER_PRESENCE_REQUIRED', async () => {
    const { user, device } = await enrolled();
    await failAuth(
      user.id,
      device,
      'USER_PRESENCE_REQUIRED',
      { userPresent: false, userVerified: false },
      'lenient',
    );
  });

  describe('counter regression', () => {
    it('FAIL policy → COUNTER_REGRESSION', async () => {
      const { user, device } = await enrolled();
      expectStatus(await authenticate(t.app, w, device, user.id), 200); // counter 1
      expectStatus(await authenticate(t.app, w, device, user.id), 200); // counter 2
      await failAuth(user.id, device, 'COUNTER_REGRESSION', { counter: 1 });
    });

    it('FLAG policy → succeeds, reports and counts the regression on the passkey', async () => {
      const { user, device, reg } = await enrolled();
      expectStatus(await authenticate(t.app, w, device, user.id, 'flag'), 200);
      const res = await authenticate(t.app, w, device, user.id, 'flag', { counter: 1 });
      expectStatus(res, 200);
      expect(res.json().counterRegression).toBe(true);
      const passkey = (
        await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`, {
          key: w.key,
        })
      ).json();
      expect(passkey).toMatchObject({ counterRegressions: 1, signCount: 1 });
    });

    it('IGNORE policy → succeeds without counting', async () => {
      const { user, device, reg } = await enrolled();
      expectStatus(await authenticate(t.app, w, device, user.id, 'ignore'), 200);
      expectStatus(await authenticate(t.app, w, device, user.id, 'ignore', { counter: 0 }), 200);
      const passkey = (
        await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`, {
          key: w.key,
        })
      ).json();
      expect(passkey.counterRegressions).toBe(0);
    });

    it('a counter-less authenticator (always 0) is fine under FAIL', async () => {
      const { user, device } = await enrolled(new SoftAuthenticator({ counterStep: 0 }));
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
    });
  });

  it('tampered signature → SIGNATURE_INVALID', async () => {
    const { user, device } = await enrolled();
    await failAuth(user.id, device, 'SIGNATURE_INVALID', { tamperSignature: true });
  });

  it("another user's passkey → CREDENTIAL_NOT_ALLOWED", async () => {
    const alice = await enrolled();
    const mallory = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, alice.user.id, 'default'));
    // Mallory answers Alice's challenge with her own (valid) passkey
    const forged = mallory.device.authenticate(started.clientRequest as never, w.origin, {
      credentialId: mallory.device.credentials[0].id,
    });
    expectProblem(
      await completeAuthentication(t.app, w, started.sessionId, forged),
      400,
      'CREDENTIAL_NOT_ALLOWED',
    );
  });

  it('username-less: a foreign user handle → CREDENTIAL_NOT_ALLOWED', async () => {
    const alice = await enrolled();
    const bob = await enrolled();
    const started = await start(
      t.app,
      w.key,
      `${w.storeUrl}/passkeys/relyingParties/localhost/authentications/default`,
    );
    const forged = alice.device.authenticate(started.clientRequest as never, w.origin, {
      userHandle: bob.device.credentials[0].userHandle,
    });
    expectProblem(
      await completeAuthentication(t.app, w, started.sessionId, forged),
      400,
      'CREDENTIAL_NOT_ALLOWED',
    );
  });

  it('a passkey of another store or tenant → CREDENTIAL_NOT_ALLOWED', async () => {
    const other = await passkeyWorld(t.app);
    const foreignUser = await other.newUser();
    const foreignDevice = new SoftAuthenticator();
    await registerPasskey(t.app, other, foreignDevice, foreignUser.id);
    const { user } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    const forged = foreignDevice.authenticate(started.clientRequest as never, w.origin, {
      credentialId: foreignDevice.credentials[0].id,
    });
    expectProblem(
      await completeAuthentication(t.app, w, started.sessionId, forged),
      400,
      'CREDENTIAL_NOT_ALLOWED',
    );
  });

  it.each(['SUSPENDED', 'REVOKED'])('a %s passkey → PASSKEY_NOT_ACTIVE', async (status) => {
    const { user, device, reg } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    await call(t.app, 'POST', `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`, {
      key: w.key,
      body: { status },
    });
    const res = await completeAuthentication(
      t.app,
      w,
      started.sessionId,
      device.authenticate(started.clientRequest as never, w.origin),
    );
    expectProblem(res, 400, 'PASSKEY_NOT_ACTIVE');
    // and a new start no longer offers it
    expectProblem(
      await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key: w.key, body: {} }),
      409,
      'NO_PASSKEYS',
    );
  });

  it.each([
    ['LOCKED', 'USER_LOCKED'],
    ['DISABLED', 'USER_DISABLED'],
    ['TEMP_LOCKED', 'USER_TEMP_LOCKED'],
  ])('a %s user cannot start → %s', async (status, code) => {
    const { user } = await enrolled();
    await call(t.app, 'POST', `${w.storeUrl}/users/${user.id}`, { key: w.key, body: { status } });
    expectProblem(
      await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key: w.key, body: {} }),
      403,
      code,
    );
    expectProblem(
      await call(t.app, 'POST', regStartUrl(w, user.id, 'default'), { key: w.key, body: {} }),
      403,
      code,
    );
  });

  it('a user locked between start and completion cannot complete', async () => {
    const { user, device } = await enrolled();
    const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
    await call(t.app, 'POST', `${w.storeUrl}/users/${user.id}`, {
      key: w.key,
      body: { status: 'DISABLED' },
    });
    expectProblem(
      await completeAuthentication(
        t.app,
        w,
        started.sessionId,
        device.authenticate(started.clientRequest as never, w.origin),
      ),
      403,
      'USER_DISABLED',
    );
  });

  it('duplicate registration of one credential → CREDENTIAL_ALREADY_REGISTERED', async () => {
    const { device } = await enrolled();
    const other = await w.newUser();
    const started = await start(t.app, w.key, regStartUrl(w, other.id, 'default'));
    const dup = device.register(started.clientRequest as never, w.origin, {
      credentialId: device.credentials[0].id,
    });
    expectProblem(
      await completeRegistration(t.app, w, started.sessionId, dup),
      409,
      'CREDENTIAL_ALREADY_REGISTERED',
    );
    expect(
      (await call(t.app, 'GET', `${w.storeUrl}/users/${other.id}/passkeys`, { key: w.key })).json()
        .content,
    ).toEqual([]);
  });

  it('disallowed algorithm → ALGORITHM_NOT_ALLOWED', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator({ aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' });
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'strict'));
    const res = await completeRegistration(
      t.app,
      w,
      started.sessionId,
      device.register(started.clientRequest as never, w.origin, { alg: -8 }),
    );
    expectProblem(res, 400, 'ALGORITHM_NOT_ALLOWED');
    expect(
      (await call(t.app, 'GET', regSessionUrl(w, started.sessionId), { key: w.key })).json(),
    ).toMatchObject({
      status: 'FAILED',
      failure: { code: 'ALGORITHM_NOT_ALLOWED' },
    });
  });

  it('disallowed AAGUID → AAGUID_NOT_ALLOWED', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator({ aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8' });
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'strict'));
    const res = await completeRegistration(
      t.app,
      w,
      started.sessionId,
      device.register(started.clientRequest as never, w.origin, { alg: -7 }),
    );
    expectProblem(res, 400, 'AAGUID_NOT_ALLOWED');
  });

  it('more passkeys than the tenant allows per user → MAX_PASSKEYS_EXCEEDED', async () => {
    const { key, where, user } = await cappedWorld(t.app, 1);
    const device = new SoftAuthenticator();
    // two sessions started while below the cap; the second completion is refused
    const a = await start(t.app, key, regStartUrl(where, user.id, 'default'));
    const b = await start(t.app, key, regStartUrl(where, user.id, 'default'));
    expectStatus(
      await completeRegistration(
        t.app,
        where,
        a.sessionId,
        device.register(a.clientRequest as never, w.origin),
      ),
      200,
    );
    expectProblem(
      await completeRegistration(
        t.app,
        where,
        b.sessionId,
        device.register(b.clientRequest as never, w.origin),
      ),
      409,
      'MAX_PASSKEYS_EXCEEDED',
    );
    expectProblem(
      await call(t.app, 'POST', regStartUrl(where, user.id, 'default'), { key, body: {} }),
      409,
      'MAX_PASSKEYS_EXCEEDED',
    );
  });

  describe('malformed clientResponse', () => {
    let valid: Record<string, any>;
    let sessionId: string;
    beforeAll(async () => {
      const { user, device } = await enrolled();
      const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
      sessionId = started.sessionId;
      valid = device.authenticate(started.clientRequest as never, w.origin) as never;
    });

    const mutate = (path: string[], value: unknown) => {
      const copy = structuredClone(valid);
      let node = copy;
      for (const p of path.slice(0, -1)) node = node[p];
      if (value === undefined) delete node[path[path.length - 1]];
      else node[path[path.length - 1]] = value;
      return copy;
    };

    it.each([
      [['id'], '***', 'clientResponse.id'],
      [['id'], undefined, 'clientResponse.id'],
      [['rawId'], 42, 'clientResponse.rawId'],
      [['type'], 'password', 'clientResponse.type'],
      [['response'], 'nope', 'clientResponse.response'],
      [['response', 'clientDataJSON'], 'not base64!', 'clientResponse.response.clientDataJSON'],
      [['response', 'clientDataJSON'], undefined, 'clientResponse.response.clientDataJSON'],
      [['response', 'authenticatorData'], 'AAAA', 'clientResponse.response.authenticatorData'],
      [['response', 'signature'], '', 'clientResponse.response.signature'],
      [['response', 'signature'], 'x'.repeat(5000), 'clientResponse.response.signature'],
      [['response', 'userHandle'], '%%%', 'clientResponse.response.userHandle'],
      [['response', 'extra'], 'field', 'clientResponse.response.extra'],
      [['clientExtensionResults'], 'x', 'clientResponse.clientExtensionResults'],
      [['authenticatorAttachment'], 'usb', 'clientResponse.authenticatorAttachment'],
    ])('%j = %j → VALIDATION_FAILED naming %s, session untouched', async (path, value, field) => {
      const res = await completeAuthentication(
        t.app,
        w,
        sessionId,
        mutate(path as string[], value),
      );
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors!.map((e) => e.field)).toContain(field);
      expect(
        (await call(t.app, 'GET', authSessionUrl(w, sessionId), { key: w.key })).json().status,
      ).toBe('PENDING');
    });

    it('a body without clientResponse → VALIDATION_FAILED', async () => {
      const res = await call(t.app, 'POST', authSessionUrl(w, sessionId), { key: w.key, body: {} });
      expect(expectProblem(res, 400, 'VALIDATION_FAILED').errors!.map((e) => e.field)).toContain(
        'clientResponse',
      );
    });

    it('well-formed but garbage bytes → a 4xx verification code, never a 500', async () => {
      const garbage = mutate(
        ['response', 'authenticatorData'],
        Buffer.alloc(40, 7).toString('base64url'),
      );
      const res = await completeAuthentication(t.app, w, sessionId, garbage);
      expect(res.statusCode).toBe(400);
      expect(['RP_ID_MISMATCH', 'VERIFICATION_FAILED']).toContain(res.json().code);
    });
  });

  describe('lockout', () => {
    it('signed failures (UV missing) temp-lock at maxFailedAttempts, unlocks by itself, locks after maxTempLocksBeforeLock; success resets', async () => {
      const { user, device } = await enrolled();
      // two failures, then a success: the count resets
      await failAuth(user.id, device, 'USER_VERIFICATION_REQUIRED', { userVerified: false });
      await failAuth(user.id, device, 'USER_VERIFICATION_REQUIRED', { userVerified: false });
      expect((await userState(user.id)).lock.failedAttempts).toBe(2);
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
      expect((await userState(user.id)).lock.failedAttempts).toBe(0);

      // three failures: TEMP_LOCKED
      for (let i = 0; i < 3; i++)
        await failAuth(user.id, device, 'USER_VERIFICATION_REQUIRED', { userVerified: false });
      const locked = await userState(user.id);
      expect(locked).toMatchObject({
        status: 'TEMP_LOCKED',
        lock: { failedAttempts: 0, lockCount: 1 },
      });
      expectProblem(
        await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key: w.key, body: {} }),
        403,
        'USER_TEMP_LOCKED',
      );

      // the lock ends by itself
      await db.query(
        "UPDATE users SET temp_locked_until = now() - interval '1 second' WHERE id = $1",
        [user.id],
      );
      expect((await userState(user.id)).status).toBe('ACTIVE');

      // three more failures: the second temp lock is a LOCKED
      for (let i = 0; i < 3; i++)
        await failAuth(user.id, device, 'USER_VERIFICATION_REQUIRED', { userVerified: false });
      expect(await userState(user.id)).toMatchObject({ status: 'LOCKED', lock: { lockCount: 2 } });
      expectProblem(
        await call(t.app, 'POST', authStartUrl(w, user.id, 'default'), { key: w.key, body: {} }),
        403,
        'USER_LOCKED',
      );

      // an administrator unlocks
      await call(t.app, 'POST', `${w.storeUrl}/users/${user.id}`, {
        key: w.key,
        body: { status: 'ACTIVE' },
      });
      expectStatus(await authenticate(t.app, w, device, user.id), 200);

      const events = (
        await call(t.app, 'GET', '/api/identity-store/auditEvents?size=100', { key: w.key })
      ).json();
      const types = events.content.map((e: { type: string }) => e.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'USER_TEMP_LOCKED',
          'USER_LOCKED',
          'PASSKEY_AUTHENTICATION_FAILED',
        ]),
      );
    });

    it('cancelled sessions do not count', async () => {
      const { user } = await enrolled();
      for (let i = 0; i < 4; i++) {
        const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
        await call(t.app, 'POST', `${authSessionUrl(w, started.sessionId)}/cancel`, { key: w.key });
      }
      expect(await userState(user.id)).toMatchObject({
        status: 'ACTIVE',
        lock: { failedAttempts: 0 },
      });
    });
  });
});
