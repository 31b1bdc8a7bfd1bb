import { call, expectStatus } from '../support/api';
import {
  authenticate,
  authSessionUrl,
  authStartExtUrl,
  completeAuthentication,
  completeRegistration,
  discoverableStartUrl,
  registerPasskey,
  regSessionUrl,
  regStartExtUrl,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { cappedWorld, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { CoseAlg, SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

describe('passkey ceremonies: flows', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
  });
  afterAll(() => t.close());

  it('registers by user id, then authenticates by user id', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const options = started.clientRequest as Record<string, any>;
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Shop' },
      user: { name: 'someone', displayName: 'someone' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
      timeout: 300000,
    });
    expect(Buffer.from(options.user.id, 'base64url').length).toBe(32);
    expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now() + 290_000);

    const res = await completeRegistration(
      t.app,
      w,
      started.sessionId,
      device.register(options as never, w.origin),
    );
    expectStatus(res, 200);
    const reg = res.json();
    expect(reg).toMatchObject({
      status: 'SUCCEEDED',
      userId: user.id,
      externalId: user.externalId,
      userVerified: true,
      createdUser: false,
      attestationFormat: 'none',
    });

    const auth = await authenticate(t.app, w, device, user.id);
    expectStatus(auth, 200);
    expect(auth.json()).toMatchObject({
      status: 'SUCCEEDED',
      userId: user.id,
      passkeyId: reg.passkeyId,
      userVerified: true,
      counterRegression: false,
    });

    const session = (
      await call(t.app, 'GET', authSessionUrl(w, auth.json().sessionId), { key: w.key })
    ).json();
    expect(session).toMatchObject({
      kind: 'AUTHENTICATION',
      status: 'SUCCEEDED',
      userId: user.id,
      outcome: { passkeyId: reg.passkeyId },
      failure: null,
    });
    const regSession = (
      await call(t.app, 'GET', regSessionUrl(w, reg.sessionId), { key: w.key })
    ).json();
    expect(regSession).toMatchObject({
      kind: 'REGISTRATION',
      status: 'SUCCEEDED',
      outcome: { passkeyId: reg.passkeyId },
    });

    const fetched = (
      await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}`, { key: w.key })
    ).json();
    expect(Date.parse(fetched.lastAuthenticatedAt)).toBeGreaterThan(Date.now() - 10_000);
  });

  it.each([-7, -8, -257] as CoseAlg[])(
    'registers and authenticates with algorithm %i and packed attestation',
    async (alg) => {
      const user = await w.newUser();
      const device = new SoftAuthenticator({ attestation: 'packed' });
      const reg = await registerPasskey(t.app, w, device, user.id, 'default', { alg });
      expect(reg.attestationFormat).toBe('packed');
      const passkey = (
        await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`, {
          key: w.key,
        })
      ).json();
      expect(passkey.algorithm).toBe(alg);
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
    },
  );

  it('registers through the /ext route creating the user, who becomes ACTIVE at the first authentication', async () => {
    await w.post('/api/identity-store/stores', {
      name: 'pending',
      defaultUserStatus: 'PENDING_ACTIVE',
    });
    await w.post('/api/identity-store/stores/pending/passkeys/relyingParties', {
      rpId: 'localhost',
      name: 'P',
      origins: [w.origin],
    });
    const rp = '/api/identity-store/stores/pending/passkeys/relyingParties/localhost';
    await w.post(`${rp}/registrationPolicies`, { name: 'default' });
    await w.post(`${rp}/authenticationPolicies`, { name: 'default' });
    const pw = { ...w, store: 'pending' };
    const device = new SoftAuthenticator();

    expectProblem(
      await call(t.app, 'POST', regStartExtUrl(pw, w.tenant, 'new-guy', 'default'), {
        key: w.key,
        body: {},
      }),
      404,
      'USER_NOT_FOUND',
    );
    const started = await start(t.app, w.key, regStartExtUrl(pw, w.tenant, 'new-guy', 'default'), {
      createUser: true,
      userName: 'new.guy@example.com',
      displayName: 'New Guy',
      passkeyDisplayName: 'Phone',
    });
    expect(started.clientRequest).toMatchObject({
      user: { name: 'new.guy@example.com', displayName: 'New Guy' },
    });
    const reg = await completeRegistration(
      t.app,
      pw,
      started.sessionId,
      device.register(started.clientRequest as never, w.origin),
    );
    expectStatus(reg, 200);
    expect(reg.json()).toMatchObject({ createdUser: true, externalId: 'new-guy' });

    const user = (
      await call(t.app, 'GET', '/api/identity-store/stores/pending/users/new-guy/ext', {
        key: w.key,
      })
    ).json();
    expect(user).toMatchObject({ status: 'PENDING_ACTIVE', userName: 'new.guy@example.com' });
    const passkeys = (
      await call(t.app, 'GET', '/api/identity-store/stores/pending/users/new-guy/passkeys/ext', {
        key: w.key,
      })
    ).json().content;
    expect(passkeys).toEqual([
      expect.objectContaining({ displayName: 'Phone', status: 'ACTIVE', rpId: 'localhost' }),
    ]);

    const auth = await start(t.app, w.key, authStartExtUrl(pw, w.tenant, 'new-guy', 'default'));
    const done = await completeAuthentication(
      t.app,
      pw,
      auth.sessionId,
      device.authenticate(auth.clientRequest as never, w.origin),
    );
    expectStatus(done, 200);
    expect(
      (
        await call(t.app, 'GET', `/api/identity-store/stores/pending/users/${user.id}`, {
          key: w.key,
        })
      ).json().status,
    ).toBe('ACTIVE');
  });

  it('authenticates username-less with a discoverable credential, identified by its user handle', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const started = await start(t.app, w.key, discoverableStartUrl(w, 'default'));
    expect(
      (started.clientRequest as { allowCredentials?: unknown[] }).allowCredentials ?? [],
    ).toEqual([]);
    const res = await completeAuthentication(
      t.app,
      w,
      started.sessionId,
      device.authenticate(started.clientRequest as never, w.origin),
    );
    expectStatus(res, 200);
    expect(res.json()).toMatchObject({ userId: user.id, externalId: user.externalId });
    expect(
      (await call(t.app, 'GET', authSessionUrl(w, started.sessionId), { key: w.key })).json()
        .userId,
    ).toBe(user.id);
  });

  it('refuses a username-less start where the policy does not allow it', async () => {
    expectProblem(
      await call(t.app, 'POST', discoverableStartUrl(w, 'lenient'), { key: w.key, body: {} }),
      403,
      'DISCOVERABLE_NOT_ALLOWED',
    );
  });

  it('builds the creation options from the policy and excludes existing credentials', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator({ aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' });
    // 'strict' allow-lists this AAGUID, which a `none` attestation cannot prove: register under
    // 'default'; the AAGUID's name is then only claimed
    const first = await registerPasskey(t.app, w, device, user.id, 'default', { alg: -7 });
    expect(first).toMatchObject({
      authenticatorName: null,
      claimedAuthenticatorName: 'Apple Passwords',
      attestationTrusted: false,
    });
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'strict'), {
      challenge: 'ZXh0ZXJuYWwtY2hhbGxlbmdlLTAx',
    });
    expect(started.clientRequest).toMatchObject({
      challenge: 'ZXh0ZXJuYWwtY2hhbGxlbmdlLTAx',
      attestation: 'direct',
      timeout: 60000,
      hints: ['client-device'],
      pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
      authenticatorSelection: { authenticatorAttachment: 'platform', userVerification: 'required' },
      excludeCredentials: [expect.objectContaining({ id: first.credentialId })],
    });
  });

  it('accepts an external challenge only where the policy allows it', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const problem = expectProblem(
      await call(t.app, 'POST', regStartUrl(w, user.id, 'default'), {
        key: w.key,
        body: { challenge: 'ZXh0ZXJuYWwtY2hhbGxlbmdlLTAx' },
      }),
      400,
      'EXTERNAL_CHALLENGE_NOT_ALLOWED',
    );
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'challenge' })]);
    const started = await start(
      t.app,
      w.key,
      `${w.storeUrl}/users/${user.id}/passkeys/relyingParties/localhost/authentications/lenient`,
      {
        challenge: 'bXktb3duLWNoYWxsZW5nZS0xMjM0NQ',
      },
    );
    expect(started.clientRequest.challenge).toBe('bXktb3duLWNoYWxsZW5nZS0xMjM0NQ');
    const res = await completeAuthentication(
      t.app,
      w,
      started.sessionId,
      device.authenticate(started.clientRequest as never, w.origin),
    );
    expectStatus(res, 200);
  });

  it('refuses an external challenge or a user handle that is not canonical base64url (stored as given, it would never match what the browser sends back)', async () => {
    const user = await w.newUser();
    // "…NR" and "AB" are other spellings of the bytes of "…NQ" and "AA": a browser answers with
    // the canonical one, so a session or handle stored with them could never complete
    const cases: [string, Record<string, string>, string][] = [
      [
        `${w.storeUrl}/users/${user.id}/passkeys/relyingParties/localhost/authentications/lenient`,
        { challenge: 'bXktb3duLWNoYWxsZW5nZS0xMjM0NR' },
        'challenge',
      ],
      [
        regStartUrl(w, user.id, 'strict'),
        { challenge: 'ZXh0ZXJuYWwtY2hhbGxlbmdlLTAxMDF' },
        'challenge',
      ],
      [regStartUrl(w, user.id, 'default'), { userHandle: 'AB' }, 'userHandle'],
    ];
    for (const [url, body, field] of cases) {
      const problem = expectProblem(
        await call(t.app, 'POST', url, { key: w.key, body }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({ field, message: expect.stringContaining('canonical') }),
      ]);
    }
    // the canonical spellings are taken
    expectStatus(
      await call(t.app, 'POST', regStartUrl(w, user.id, 'default'), {
        key: w.key,
        body: { userHandle: 'AA' },
      }),
      201,
    );
  });

  it('manages passkeys: list, read, rename, suspend, reactivate, delete, with no key material', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const reg = await registerPasskey(t.app, w, device, user.id);
    const url = `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`;
    const passkey = (await call(t.app, 'GET', url, { key: w.key })).json();
    expect(passkey).toMatchObject({
      id: reg.passkeyId,
      credentialId: reg.credentialId,
      rpId: 'localhost',
      displayName: 'Passkey',
      status: 'ACTIVE',
      aaguid: '00000000-0000-0000-0000-000000000000',
      transports: ['internal', 'hybrid'],
      backupEligible: false,
      backedUp: false,
      useCount: 0,
    });
    expect(JSON.stringify(passkey)).not.toMatch(/publicKey|privateKey/);
    const renamed = await call(t.app, 'POST', url, {
      key: w.key,
      body: { displayName: 'Laptop', status: 'SUSPENDED' },
    });
    expect(renamed.json()).toMatchObject({ displayName: 'Laptop', status: 'SUSPENDED' });
    await call(t.app, 'POST', url, { key: w.key, body: { status: 'ACTIVE' } });
    expectStatus(await authenticate(t.app, w, device, user.id), 200);
    expect((await call(t.app, 'GET', url, { key: w.key })).json()).toMatchObject({
      useCount: 1,
      signCount: 1,
    });
    const byExt = `${w.storeUrl}/users/${user.externalId}/passkeys/${reg.passkeyId}/ext`;
    expectStatus(await call(t.app, 'GET', byExt, { key: w.key }), 200);
    expectStatus(await call(t.app, 'DELETE', byExt, { key: w.key }), 204);
    expectProblem(await call(t.app, 'GET', url, { key: w.key }), 404, 'PASSKEY_NOT_FOUND');
    expectProblem(
      await call(
        t.app,
        'POST',
        `${w.storeUrl}/users/${user.id}/passkeys/relyingParties/localhost/authentications/default`,
        { key: w.key, body: {} },
      ),
      409,
      'NO_PASSKEYS',
    );
  });

  it('deleting a user deletes its passkeys and open sessions', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const open = await start(
      t.app,
      w.key,
      `${w.storeUrl}/users/${user.id}/passkeys/relyingParties/localhost/authentications/default`,
    );
    expectStatus(
      await call(t.app, 'DELETE', `${w.storeUrl}/users/${user.id}`, { key: w.key }),
      204,
    );
    expectProblem(
      await call(t.app, 'GET', authSessionUrl(w, open.sessionId), { key: w.key }),
      404,
      'SESSION_NOT_FOUND',
    );
    expectProblem(
      await completeAuthentication(
        t.app,
        w,
        open.sessionId,
        device.authenticate(open.clientRequest as never, w.origin),
      ),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('a cancelled session cannot complete', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const open = await start(
      t.app,
      w.key,
      `${w.storeUrl}/users/${user.id}/passkeys/relyingParties/localhost/authentications/default`,
    );
    const cancelled = await call(t.app, 'POST', `${authSessionUrl(w, open.sessionId)}/cancel`, {
      key: w.key,
    });
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED' });
    expectProblem(
      await call(t.app, 'POST', `${authSessionUrl(w, open.sessionId)}/cancel`, { key: w.key }),
      409,
      'SESSION_ALREADY_COMPLETED',
    );
    expectProblem(
      await completeAuthentication(
        t.app,
        w,
        open.sessionId,
        device.authenticate(open.clientRequest as never, w.origin),
      ),
      409,
      'SESSION_ALREADY_COMPLETED',
    );
    const reg = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    expect(
      (
        await call(t.app, 'POST', `${regSessionUrl(w, reg.sessionId)}/cancel`, { key: w.key })
      ).json().status,
    ).toBe('CANCELLED');
    // an authentication session id is not a registration session
    expectProblem(
      await call(t.app, 'GET', regSessionUrl(w, open.sessionId), { key: w.key }),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('records audit events for starts and outcomes', async () => {
    const events = (
      await call(t.app, 'GET', '/api/identity-store/auditEvents?size=100', { key: w.key })
    ).json();
    const types = new Set(events.content.map((e: { type: string }) => e.type));
    for (const type of [
      'PASSKEY_REGISTRATION_STARTED',
      'PASSKEY_REGISTRATION_SUCCEEDED',
      'PASSKEY_AUTHENTICATION_STARTED',
      'PASSKEY_AUTHENTICATION_SUCCEEDED',
    ]) {
      expect(types).toContain(type);
    }
  });

  describe('user handles', () => {
    const handleOf = (started: { clientRequest: unknown }) =>
      (started.clientRequest as { user: { id: string } }).user.id;

    it('keeps a requested handle, refuses another one later, and one taken by another user', async () => {
      const alice = await w.newUser();
      const bob = await w.newUser();
      const mine = Buffer.from('alice-handle').toString('base64url');
      const first = await start(t.app, w.key, regStartUrl(w, alice.id, 'default'), {
        userHandle: mine,
      });
      expect(handleOf(first)).toBe(mine);
      // the same handle again is fine; without one the kept handle is used
      const again = await start(t.app, w.key, regStartUrl(w, alice.id, 'default'), {
        userHandle: mine,
      });
      expect(handleOf(again)).toBe(mine);
      expect(handleOf(await start(t.app, w.key, regStartUrl(w, alice.id, 'default')))).toBe(mine);

      const other = Buffer.from('another').toString('base64url');
      const changed = await call(t.app, 'POST', regStartUrl(w, alice.id, 'default'), {
        key: w.key,
        body: { userHandle: other },
      });
      expectProblem(changed, 409, 'USER_HANDLE_MISMATCH');
      expect(changed.json().errors).toEqual([expect.objectContaining({ field: 'userHandle' })]);
      expectProblem(
        await call(t.app, 'POST', regStartUrl(w, bob.id, 'default'), {
          key: w.key,
          body: { userHandle: mine },
        }),
        409,
        'USER_HANDLE_MISMATCH',
      );
      const tooLong = await call(t.app, 'POST', regStartUrl(w, bob.id, 'default'), {
        key: w.key,
        body: { userHandle: Buffer.alloc(65, 1).toString('base64url') },
      });
      expectProblem(tooLong, 400, 'VALIDATION_FAILED');
    });

    it('concurrent first starts of a user agree on one handle', async () => {
      const user = await w.newUser();
      const starts = await Promise.all(
        Array.from({ length: 8 }, () => start(t.app, w.key, regStartUrl(w, user.id, 'default'))),
      );
      expect(new Set(starts.map(handleOf)).size).toBe(1);
    });

    it('a create-user start that is refused creates no user', async () => {
      const owner = await w.newUser();
      const taken = Buffer.from('owner-handle').toString('base64url');
      await start(t.app, w.key, regStartUrl(w, owner.id, 'default'), { userHandle: taken });
      expectProblem(
        await call(t.app, 'POST', regStartExtUrl(w, w.tenant, 'newcomer', 'default'), {
          key: w.key,
          body: { createUser: true, userHandle: taken },
        }),
        409,
        'USER_HANDLE_MISMATCH',
      );
      expectProblem(
        await call(t.app, 'GET', `${w.storeUrl}/users/newcomer/ext`, { key: w.key }),
        404,
        'USER_NOT_FOUND',
      );
    });
  });

  it('concurrent completions never take a user past the passkey cap', async () => {
    const { key, where, user } = await cappedWorld(t.app, 2);
    const sessions = [];
    for (let i = 0; i < 6; i++)
      sessions.push(await start(t.app, key, regStartUrl(where, user.id, 'default')));
    const results = await Promise.all(
      sessions.map((s) =>
        completeRegistration(
          t.app,
          where,
          s.sessionId,
          new SoftAuthenticator().register(s.clientRequest as never, w.origin),
        ),
      ),
    );
    const codes = results.map((r) => (r.statusCode === 200 ? 'OK' : r.json().code)).sort();
    expect(codes).toEqual([
      'MAX_PASSKEYS_EXCEEDED',
      'MAX_PASSKEYS_EXCEEDED',
      'MAX_PASSKEYS_EXCEEDED',
      'MAX_PASSKEYS_EXCEEDED',
      'OK',
      'OK',
    ]);
    const list = await call(
      t.app,
      'GET',
      `/api/identity-store/stores/shop/users/${user.id}/passkeys`,
      { key },
    );
    expectStatus(list, 200);
    expect(list.json()).toMatchObject({ totalElements: 2, number: 0 });
    expect(list.json().content).toHaveLength(2);
  });
});
