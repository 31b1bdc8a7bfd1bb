/**
 * The WebAuthn Signal API payloads (issue 14 item 4): what management responses, the signals
 * route and an unknown-credential failure tell the page to hand to PublicKeyCredential.signal*.
 */
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import {
  completeAuthentication,
  discoverableStartUrl,
  registerPasskey,
  start,
} from '../support/ceremonies';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

const BROWSER = '/api/identity-store/browser';
type Signal = { method: string; options: Record<string, unknown> };

describe('WebAuthn Signal API payloads', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    w = await passkeyWorld(t.app);
    // a second relying party of the same store
    await w.post(`${w.storeUrl}/passkeys/relyingParties`, {
      rpId: 'admin.example.com',
      name: 'Admin',
      origins: ['https://admin.example.com'],
    });
    await w.post(`${w.storeUrl}/passkeys/relyingParties/admin.example.com/registrationPolicies`, {
      name: 'default',
    });
  });
  afterAll(() => t.close());

  const admin = () => ({ ...w, rpId: 'admin.example.com', origin: 'https://admin.example.com' });
  const userUrl = (userId: string) => `${w.storeUrl}/users/${userId}`;
  const handleOf = (device: SoftAuthenticator, i: number) =>
    Buffer.from(device.credentials[i].userHandle!).toString('base64url');

  /** A user with two passkeys at localhost and one at admin.example.com. */
  async function userWithPasskeys() {
    const user = await w.newUser({ userName: 'jane@example.com', displayName: 'Jane' });
    const device = new SoftAuthenticator();
    const a = await registerPasskey(t.app, w, device, user.id);
    const b = await registerPasskey(t.app, w, device, user.id);
    const c = await registerPasskey(t.app, admin(), device, user.id);
    return { user, device, a, b, c, handle: handleOf(device, 0), adminHandle: handleOf(device, 2) };
  }

  const accepted = (rpId: string, userId: string, ids: string[]): Signal => ({
    method: 'signalAllAcceptedCredentials',
    options: { rpId, userId, allAcceptedCredentialIds: ids },
  });
  const details = (rpId: string, userId: string, name: string, displayName: string): Signal => ({
    method: 'signalCurrentUserDetails',
    options: { rpId, userId, name, displayName },
  });

  describe('management responses', () => {
    it('after a delete (Prefer: return=representation): the accepted credentials of every relying party, the deleted one left out', async () => {
      const u = await userWithPasskeys();
      const res = await call(t.app, 'DELETE', `${userUrl(u.user.id)}/passkeys/${u.a.passkeyId}`, {
        key: w.key,
        headers: { prefer: 'return=representation' },
      });
      expectStatus(res, 200);
      expect(res.headers['preference-applied']).toBe('return=representation');
      expect(res.json()).toEqual({
        signals: [
          accepted('admin.example.com', u.adminHandle, [u.c.credentialId]),
          accepted('localhost', u.handle, [u.b.credentialId]),
        ],
      });
    });

    it('a delete without Prefer still answers 204 without a body (existing clients see no change)', async () => {
      const u = await userWithPasskeys();
      const res = await call(
        t.app,
        'DELETE',
        `${w.storeUrl}/users/${u.user.externalId}/passkeys/${u.a.passkeyId}/ext`,
        { key: w.key },
      );
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    });

    it('after deleting the last passkey at a relying party: an empty list there (the manager drops them all)', async () => {
      const u = await userWithPasskeys();
      const res = await call(
        t.app,
        'DELETE',
        `${w.storeUrl}/users/${u.user.externalId}/passkeys/${u.c.passkeyId}/ext`,
        { key: w.key, headers: { prefer: 'return=representation' } },
      );
      expectStatus(res, 200);
      expect(res.json().signals).toEqual([
        accepted('admin.example.com', u.adminHandle, []),
        accepted('localhost', u.handle, [u.a.credentialId, u.b.credentialId]),
      ]);
    });

    it('after a revoke: the revoked passkey is no longer accepted; a suspended one still is', async () => {
      const u = await userWithPasskeys();
      const update = (passkeyId: string, body: unknown) =>
        call(t.app, 'POST', `${userUrl(u.user.id)}/passkeys/${passkeyId}`, { key: w.key, body });
      const suspended = await update(u.b.passkeyId, { status: 'SUSPENDED' });
      expectStatus(suspended, 200);
      expect(suspended.json().signals).toContainEqual(
        accepted('localhost', u.handle, [u.a.credentialId, u.b.credentialId]),
      );
      const revoked = await update(u.a.passkeyId, { status: 'REVOKED' });
      expectStatus(revoked, 200);
      expect(revoked.json()).toMatchObject({ id: u.a.passkeyId, status: 'REVOKED' });
      expect(revoked.json().signals).toEqual([
        accepted('admin.example.com', u.adminHandle, [u.c.credentialId]),
        accepted('localhost', u.handle, [u.b.credentialId]),
      ]);
    });

    it('after a passkey rename: the accepted credentials of every relying party', async () => {
      const u = await userWithPasskeys();
      const res = await call(
        t.app,
        'POST',
        `${w.storeUrl}/users/${u.user.externalId}/passkeys/${u.b.passkeyId}/ext`,
        { key: w.key, body: { displayName: 'Work laptop' } },
      );
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({ displayName: 'Work laptop' });
      expect(res.json().signals).toEqual([
        accepted('admin.example.com', u.adminHandle, [u.c.credentialId]),
        accepted('localhost', u.handle, [u.a.credentialId, u.b.credentialId]),
      ]);
    });

    it('after a user rename: the current user details (name = userName) at every relying party', async () => {
      const u = await userWithPasskeys();
      const res = await call(t.app, 'POST', userUrl(u.user.id), {
        key: w.key,
        body: { userName: 'jane.doe@example.com', displayName: 'Jane Doe' },
      });
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({
        userName: 'jane.doe@example.com',
        displayName: 'Jane Doe',
      });
      expect(res.json().signals).toEqual([
        accepted('admin.example.com', u.adminHandle, [u.c.credentialId]),
        details('admin.example.com', u.adminHandle, 'jane.doe@example.com', 'Jane Doe'),
        accepted('localhost', u.handle, [u.a.credentialId, u.b.credentialId]),
        details('localhost', u.handle, 'jane.doe@example.com', 'Jane Doe'),
      ]);
      // by external id, a displayName alone is a rename too
      const ext = await call(t.app, 'POST', `${w.storeUrl}/users/${u.user.externalId}/ext`, {
        key: w.key,
        body: { displayName: 'J. Doe' },
      });
      expectStatus(ext, 200);
      expect(ext.json().signals).toContainEqual(
        details('localhost', u.handle, 'jane.doe@example.com', 'J. Doe'),
      );
    });

    it('a user update that changes no name carries no signals member', async () => {
      const u = await userWithPasskeys();
      const res = await call(t.app, 'POST', userUrl(u.user.id), {
        key: w.key,
        body: { locale: 'de-DE', displayName: 'Jane' },
      });
      expectStatus(res, 200);
      // no member at all: the answer stays what a read returns
      expect(res.json()).toEqual(
        (await call(t.app, 'GET', userUrl(u.user.id), { key: w.key })).json(),
      );
      expect(res.json().signals).toBeUndefined();
    });

    it('the user handle in the payloads is the user.id of the registration options, not the store user id', async () => {
      const user = await w.newUser();
      const started = await start(
        t.app,
        w.key,
        `${w.storeUrl}/users/${user.id}/passkeys/relyingParties/localhost/registrations/default`,
      );
      const userIdInOptions = (started.clientRequest.user as { id: string }).id;
      const res = await call(t.app, 'GET', `${userUrl(user.id)}/passkeys/signals`, { key: w.key });
      expectStatus(res, 200);
      // the handle exists from the first registration start: an empty list, the user's names
      expect(res.json().signals).toEqual([
        accepted('localhost', userIdInOptions, []),
        details('localhost', userIdInOptions, 'someone', 'someone'),
      ]);
      expect(userIdInOptions).not.toBe(Buffer.from(user.id).toString('base64url'));
    });
  });

  describe('GET …/users/{userId}/passkeys/signals', () => {
    it('answers the accepted credentials and the current details for every relying party, by id and by external id', async () => {
      const u = await userWithPasskeys();
      const expected = [
        accepted('admin.example.com', u.adminHandle, [u.c.credentialId]),
        details('admin.example.com', u.adminHandle, 'jane@example.com', 'Jane'),
        accepted('localhost', u.handle, [u.a.credentialId, u.b.credentialId]),
        details('localhost', u.handle, 'jane@example.com', 'Jane'),
      ];
      const byId = await call(t.app, 'GET', `${userUrl(u.user.id)}/passkeys/signals`, {
        key: w.key,
      });
      expectStatus(byId, 200);
      expect(byId.json()).toEqual({ signals: expected });
      const byExt = await call(
        t.app,
        'GET',
        `${w.storeUrl}/users/${u.user.externalId}/passkeys/signals/ext`,
        { key: w.key },
      );
      expectStatus(byExt, 200);
      expect(byExt.json()).toEqual({ signals: expected });
    });

    it('a user without any relying party gets no signals; an unknown user is USER_NOT_FOUND', async () => {
      const user = await w.newUser();
      const res = await call(t.app, 'GET', `${userUrl(user.id)}/passkeys/signals`, { key: w.key });
      expect(res.json()).toEqual({ signals: [] });
      expectProblem(
        await call(t.app, 'GET', `${w.storeUrl}/users/nobody/passkeys/signals/ext`, { key: w.key }),
        404,
        'USER_NOT_FOUND',
      );
    });

    it("needs listPasskeys, and tenant B's key cannot read tenant A's user's signals", async () => {
      const u = await userWithPasskeys();
      const other = await tenantWithAdmin(t.app, 'sig-b');
      await call(t.app, 'POST', '/api/identity-store/stores', {
        key: other.admin.key,
        body: { name: 'shop' },
      });
      const res = await call(t.app, 'GET', `${userUrl(u.user.id)}/passkeys/signals`, {
        key: other.admin.key,
      });
      expectProblem(res, 404, 'USER_NOT_FOUND');
      expect(res.body).not.toContain(u.a.credentialId);
    });
  });

  describe('an authentication with a credential the store does not know', () => {
    /** A user whose passkey `gone` was deleted; the device still holds it. */
    async function deletedPasskey() {
      const user = await w.newUser();
      const device = new SoftAuthenticator();
      const kept = await registerPasskey(t.app, w, device, user.id);
      const gone = await registerPasskey(t.app, w, device, user.id);
      const del = await call(t.app, 'DELETE', `${userUrl(user.id)}/passkeys/${gone.passkeyId}`, {
        key: w.key,
      });
      expect(del.statusCode).toBe(204);
      return { user, device, kept, gone, goneId: Buffer.from(gone.credentialId, 'base64url') };
    }

    const unknownSignal = (credentialId: string) => [
      { method: 'signalUnknownCredential', options: { rpId: 'localhost', credentialId } },
    ];

    it('username-less (API): the same CREDENTIAL_NOT_ALLOWED problem, with a signalUnknownCredential payload', async () => {
      const d = await deletedPasskey();
      const started = await start(t.app, w.key, discoverableStartUrl(w, 'default'));
      const res = await completeAuthentication(
        t.app,
        w,
        started.sessionId,
        d.device.authenticate(started.clientRequest as never, w.origin, {
          credentialId: d.goneId,
        }),
      );
      const problem = expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED');
      expect(problem.detail).toBe(
        'The assertion was not made with a passkey of this relying party',
      );
      expect(problem.signals).toEqual(unknownSignal(d.gone.credentialId));
    });

    it('username-less in the browser (no transaction): the problem carries the signal', async () => {
      const d = await deletedPasskey();
      const started = await call(
        t.app,
        'POST',
        `${BROWSER}/${w.tenant}/stores/shop/relyingParties/localhost/authentications/default`,
        { body: {}, headers: { origin: ORIGIN } },
      );
      expectStatus(started, 200);
      const clientResponse = d.device.authenticate(started.json().clientRequest, ORIGIN, {
        credentialId: d.goneId,
      });
      const res = await call(
        t.app,
        'POST',
        `${BROWSER}/transactions/${started.json().transactionId}/finish`,
        { body: { clientResponse }, headers: { origin: ORIGIN } },
      );
      expect(expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED').signals).toEqual(
        unknownSignal(d.gone.credentialId),
      );
    });

    it('step-up of a known user (browser): the problem carries the signal', async () => {
      const d = await deletedPasskey();
      const minted = await call(t.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: d.user.externalId },
      });
      expectStatus(minted, 201);
      const id = minted.json().transactionId;
      const started = await call(t.app, 'POST', `${BROWSER}/transactions/${id}/start`, {
        body: {},
        headers: { origin: ORIGIN },
      });
      expectStatus(started, 200);
      const clientResponse = d.device.authenticate(started.json().clientRequest, ORIGIN, {
        credentialId: d.goneId,
      });
      const res = await call(t.app, 'POST', `${BROWSER}/transactions/${id}/finish`, {
        body: { clientResponse },
        headers: { origin: ORIGIN },
      });
      expect(expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED').signals).toEqual(
        unknownSignal(d.gone.credentialId),
      );
    });

    it('no signal for other failures: a known credential of another user, a wrong origin, a bad signature', async () => {
      const d = await deletedPasskey();
      const other = await w.newUser();
      const otherDevice = new SoftAuthenticator();
      await registerPasskey(t.app, w, otherDevice, other.id);
      const attempt = async (device: SoftAuthenticator, overrides: Record<string, unknown>) => {
        const started = await start(
          t.app,
          w.key,
          `${w.storeUrl}/users/${d.user.id}/passkeys/relyingParties/localhost/authentications/default`,
        );
        return completeAuthentication(
          t.app,
          w,
          started.sessionId,
          device.authenticate(started.clientRequest as never, w.origin, overrides as never),
        );
      };
      // another user's passkey: known to the store, not this user's
      const foreign = await attempt(otherDevice, { credentialId: otherDevice.credentials[0].id });
      expect(expectProblem(foreign, 400, 'CREDENTIAL_NOT_ALLOWED').signals).toBeUndefined();
      // an unknown credential, but the prechecks fail first
      const wrongOrigin = await attempt(d.device, {
        credentialId: d.goneId,
        origin: 'http://evil.localhost:3000',
      });
      expect(wrongOrigin.json().code).not.toBe('CREDENTIAL_NOT_ALLOWED');
      expect(wrongOrigin.json().signals).toBeUndefined();
      // a known credential with a bad signature
      const bad = await attempt(d.device, { tamperSignature: true });
      expect(bad.json().signals).toBeUndefined();
      // and the unknown credential itself does carry it (user-bound API form)
      const unknown = await attempt(d.device, { credentialId: d.goneId });
      expect(expectProblem(unknown, 400, 'CREDENTIAL_NOT_ALLOWED').signals).toEqual(
        unknownSignal(d.gone.credentialId),
      );
    });

    it('a credential of another store of the tenant with the same rpId is not "unknown" (the browser knows rpIds, not stores)', async () => {
      await w.post('/api/identity-store/stores', { name: 'staging' });
      const staging = { ...w, store: 'staging' };
      await w.post('/api/identity-store/stores/staging/passkeys/relyingParties', {
        rpId: 'localhost',
        name: 'Staging',
        origins: [ORIGIN],
      });
      await w.post(
        '/api/identity-store/stores/staging/passkeys/relyingParties/localhost/registrationPolicies',
        { name: 'default', residentKey: 'required' },
      );
      const stagingUser = (await w.post('/api/identity-store/stores/staging/users', {
        externalId: 'staging-user',
        userName: 'staging',
      })) as { id: string };
      const device = new SoftAuthenticator();
      await registerPasskey(t.app, staging, device, stagingUser.id);
      const started = await start(t.app, w.key, discoverableStartUrl(w, 'default'));
      const res = await completeAuthentication(
        t.app,
        w,
        started.sessionId,
        device.authenticate(started.clientRequest as never, w.origin),
      );
      expect(expectProblem(res, 400, 'CREDENTIAL_NOT_ALLOWED').signals).toBeUndefined();
    });
  });
});
