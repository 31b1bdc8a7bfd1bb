/**
 * Registration refuses credentials no assertion could ever use (issue 12, item 3): each test
 * starts a registration through the API and completes it with a forged attestation. A refused
 * completion stores no passkey and leaves the session FAILED with the code.
 */
import { randomBytes } from 'node:crypto';
import { call } from '../support/api';
import { completeRegistration, regSessionUrl, regStartUrl, start } from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import {
  CoseAlg,
  forgeCoseKey,
  RegistrationOverrides,
  SoftAuthenticator,
} from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

describe('registration refuses unusable credentials', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
  });
  afterAll(() => t.close());

  /** Completes a fresh registration with `overrides`; expects 400 `code` and no passkey. */
  async function refused(overrides: RegistrationOverrides, code: string) {
    const user = await w.newUser();
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const response = new SoftAuthenticator().register(
      started.clientRequest as never,
      w.origin,
      overrides,
    );
    const problem = expectProblem(
      await completeRegistration(t.app, w, started.sessionId, response),
      400,
      code,
    );
    const session = (
      await call(t.app, 'GET', regSessionUrl(w, started.sessionId), { key: w.key })
    ).json();
    expect(session).toMatchObject({ status: 'FAILED', failure: { code } });
    const passkeys = await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}/passkeys`, {
      key: w.key,
    });
    expect(passkeys.json().content).toEqual([]);
    return problem;
  }

  it('an unknown COSE key type → PUBLIC_KEY_INVALID', async () => {
    await refused({ publicKeyCose: forgeCoseKey('unknown-kty') }, 'PUBLIC_KEY_INVALID');
  });

  it('an EC2 point that is not on P-256 → PUBLIC_KEY_INVALID', async () => {
    await refused({ publicKeyCose: forgeCoseKey('ec-point-off-curve') }, 'PUBLIC_KEY_INVALID');
  });

  it('a 5-byte EdDSA (OKP) key → PUBLIC_KEY_INVALID', async () => {
    await refused({ alg: -8, publicKeyCose: forgeCoseKey('okp-5-bytes') }, 'PUBLIC_KEY_INVALID');
  });

  it('a 1-byte RSA modulus (below the 2048-bit minimum) → PUBLIC_KEY_INVALID', async () => {
    const problem = await refused(
      { alg: -257, publicKeyCose: forgeCoseKey('rsa-1-byte') },
      'PUBLIC_KEY_INVALID',
    );
    expect(problem.detail).toMatch(/2048/);
  });

  it('a zero-length credential id → VERIFICATION_FAILED', async () => {
    await refused(
      { credentialId: Buffer.alloc(0), responseId: randomBytes(32) },
      'VERIFICATION_FAILED',
    );
  });

  it('trailing bytes after the attestation object CBOR → VERIFICATION_FAILED', async () => {
    await refused({ trailingBytes: Buffer.from([0x00]) }, 'VERIFICATION_FAILED');
  });

  it('a response id/rawId other than the credential id inside authData → VERIFICATION_FAILED', async () => {
    const problem = await refused({ responseId: randomBytes(32) }, 'VERIFICATION_FAILED');
    expect(problem.detail).toMatch(/credential id/);
  });

  it.each<[CoseAlg]>([[-7], [-8], [-257]])(
    'a genuine key of algorithm %i still registers',
    async (alg) => {
      const user = await w.newUser();
      const started = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
      const response = new SoftAuthenticator().register(started.clientRequest as never, w.origin, {
        alg,
      });
      const res = await completeRegistration(t.app, w, started.sessionId, response);
      expect(res.statusCode).toBe(200);
    },
  );
});
