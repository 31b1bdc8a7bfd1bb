import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import {
  cborEncode,
  CoseAlg,
  RegistrationOverrides,
  SoftAttestation,
  SoftAuthenticator,
  type AuthenticationOverrides,
} from '../support/soft-authenticator';

const rpID = 'localhost';
const origin = 'http://localhost:3000';

/** A verification outcome as a string, so failures can be asserted uniformly: SimpleWebAuthn
 * throws for most checks but returns `verified: false` for a bad signature. */
async function outcome(p: Promise<{ verified: boolean }>): Promise<string> {
  try {
    return (await p).verified ? 'VERIFIED' : 'verified:false';
  } catch (e) {
    return `throws: ${(e as Error).message}`;
  }
}

async function newRegistration(alg: CoseAlg = -7, attestation: SoftAttestation = 'none') {
  const userID = new TextEncoder().encode(`user-${Math.random()}`);
  const options = await generateRegistrationOptions({
    rpName: 'Identity Store',
    rpID,
    userName: 'alice',
    userID,
    supportedAlgorithmIDs: [alg],
    attestationType: attestation === 'packed' ? 'direct' : 'none',
  });
  return { options, userID, supportedAlgorithmIDs: [alg] };
}

function verifyReg(
  reg: Awaited<ReturnType<typeof newRegistration>>,
  response: RegistrationResponseJSON,
) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: reg.options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: true,
    supportedAlgorithmIDs: reg.supportedAlgorithmIDs,
  });
}

/** Registers on `auth` and returns the credential as the server would store it. */
async function enrol(auth: SoftAuthenticator, alg: CoseAlg = -7, o?: RegistrationOverrides) {
  const reg = await newRegistration(alg);
  const result = await verifyReg(reg, auth.register(reg.options, origin, o));
  expect(result.verified).toBe(true);
  return { stored: { ...result.registrationInfo!.credential }, userID: reg.userID };
}

async function assertion(
  auth: SoftAuthenticator,
  stored: WebAuthnCredential,
  o?: AuthenticationOverrides,
) {
  const options = await generateAuthenticationOptions({
    rpID,
    allowCredentials: [{ id: stored.id }],
  });
  const response = auth.authenticate(options, origin, o);
  return { options, response };
}

function verifyAuth(
  options: { challenge: string },
  response: AuthenticationResponseJSON,
  credential: WebAuthnCredential,
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification: true,
  });
}

describe('cborEncode', () => {
  it.each<[unknown, string]>([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [1000000000000, '1b000000e8d4a51000'],
    [-1, '20'],
    [-24, '37'],
    [-25, '3818'],
    [-257, '390100'],
    ['a', '6161'],
    [Buffer.from([1, 2, 3, 4]), '4401020304'],
    [new Uint8Array([]), '40'],
    [[1, [2, 3]], '8201820203'],
    [true, 'f5'],
    [false, 'f4'],
    [null, 'f6'],
    [
      new Map<number | string, number>([
        [1, 2],
        [-1, 3],
        ['a', 4],
      ]),
      'a3010220036161' + '04',
    ],
  ])('encodes %p as %s (RFC 8949 App. A)', (value, hex) => {
    expect(cborEncode(value as Parameters<typeof cborEncode>[0]).toString('hex')).toBe(hex);
  });

  it('rejects non-integers', () => {
    expect(() => cborEncode(1.5)).toThrow();
  });
});

describe('SoftAuthenticator round-trips through @simplewebauthn/server', () => {
  const cases: [CoseAlg, SoftAttestation][] = [];
  for (const alg of [-7, -8, -257] as CoseAlg[]) {
    for (const att of ['none', 'packed'] as SoftAttestation[]) cases.push([alg, att]);
  }

  it.each(cases)('alg %i, attestation %s: registers and authenticates', async (alg, att) => {
    const auth = new SoftAuthenticator({ aaguid: '01234567-89ab-cdef-0123-456789abcdef' });
    const reg = await newRegistration(alg, att);
    const response = auth.register(reg.options, origin, { attestation: att });
    const result = await verifyReg(reg, response);
    expect(result.verified).toBe(true);
    const info = result.registrationInfo!;
    expect(info).toMatchObject({
      fmt: att,
      aaguid: '01234567-89ab-cdef-0123-456789abcdef',
      userVerified: true,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
      origin,
      rpID,
    });
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(decodeCredentialPublicKey(info.credential.publicKey).get(3)).toBe(alg);
    expect(auth.credentials[0].userHandle).toEqual(Buffer.from(reg.userID));

    let stored: WebAuthnCredential = { ...info.credential };
    for (const expected of [1, 2]) {
      const { options, response: assn } = await assertion(auth, stored);
      const verified = await verifyAuth(options, assn, stored);
      expect(verified.verified).toBe(true);
      expect(verified.authenticationInfo.newCounter).toBe(expected);
      expect(assn.response.userHandle).toBe(Buffer.from(reg.userID).toString('base64url'));
      stored = { ...stored, counter: verified.authenticationInfo.newCounter };
    }
  });

  it('uses the first supported alg from pubKeyCredParams and reports backup flags', async () => {
    const auth = new SoftAuthenticator({ backupEligible: true, backupState: true });
    const reg = await newRegistration(-8);
    reg.options.pubKeyCredParams = [
      { type: 'public-key', alg: -36 },
      ...reg.options.pubKeyCredParams,
    ];
    const result = await verifyReg(reg, auth.register(reg.options, origin));
    expect(result.registrationInfo).toMatchObject({
      credentialDeviceType: 'multiDevice',
      credentialBackedUp: true,
    });
    expect(auth.credentials[0].alg).toBe(-8);
  });

  it('finds a discoverable credential when allowCredentials is empty and returns its userHandle', async () => {
    const auth = new SoftAuthenticator();
    const { stored, userID } = await enrol(auth, -257);
    const options = await generateAuthenticationOptions({ rpID });
    expect(options.allowCredentials ?? []).toHaveLength(0);
    const response = auth.authenticate(options, origin);
    expect(response.id).toBe(stored.id);
    expect(Buffer.from(response.response.userHandle!, 'base64url')).toEqual(Buffer.from(userID));
    expect((await verifyAuth(options, response, stored)).verified).toBe(true);
    // No credential for another RP: the "browser" refuses, like NotAllowedError.
    expect(() => auth.authenticate({ ...options, rpId: 'example.com' }, origin)).toThrow(
      /NotAllowedError/,
    );
  });

  it('counter-less authenticators (counterStep 0) keep reporting 0, which is accepted', async () => {
    const auth = new SoftAuthenticator({ counterStep: 0 });
    const { stored } = await enrol(auth);
    const { options, response } = await assertion(auth, stored);
    const result = await verifyAuth(options, response, stored);
    expect(result).toMatchObject({ verified: true, authenticationInfo: { newCounter: 0 } });
  });
});

describe('SoftAuthenticator forgeries fail verification', () => {
  describe('registration', () => {
    it.each<[string, RegistrationOverrides, RegExp]>([
      ['wrong origin', { origin: 'https://evil.example' }, /origin/],
      ['wrong rpId', { rpId: 'evil.example' }, /RP ID/i],
      ['wrong challenge', { challenge: 'bm90LXRoZS1jaGFsbGVuZ2U' }, /challenge/],
      ['wrong type', { type: 'webauthn.get' }, /type/],
      ['UV absent', { userVerified: false }, /verification/],
      ['UP absent', { userPresent: false }, /presence/],
      ['BS without BE', { backupState: true, backupEligible: false }, /backed up/],
      ['unrequested alg', { alg: -8 }, /alg/],
      ['tampered packed sig', { attestation: 'packed', tamperSignature: true }, /^verified:false$/],
    ])('%s', async (_name, overrides, expected) => {
      const reg = await newRegistration(-7, overrides.attestation);
      const response = new SoftAuthenticator().register(reg.options, origin, overrides);
      expect(await outcome(verifyReg(reg, response))).toMatch(expected);
    });
  });

  describe('authentication', () => {
    it.each<[string, AuthenticationOverrides, RegExp]>([
      ['wrong origin', { origin: 'https://evil.example' }, /origin/],
      ['wrong rpId', { rpId: 'evil.example' }, /RP ID/i],
      ['wrong challenge', { challenge: 'bm90LXRoZS1jaGFsbGVuZ2U' }, /challenge/],
      ['wrong type', { type: 'webauthn.create' }, /type/],
      ['UV absent', { userVerified: false }, /verification/],
      ['UP absent', { userPresent: false }, /not present/],
      ['counter regression', { counter: 0 }, /counter/],
      ['BS without BE', { backupState: true, backupEligible: false }, /backed up/],
    ])('%s', async (_name, overrides, expected) => {
      const auth = new SoftAuthenticator();
      const { stored } = await enrol(auth);
      // One good assertion first so the stored counter is non-zero.
      const first = await assertion(auth, stored);
      const ok = await verifyAuth(first.options, first.response, stored);
      const updated = { ...stored, counter: ok.authenticationInfo.newCounter };
      const { options, response } = await assertion(auth, updated, overrides);
      expect(await outcome(verifyAuth(options, response, updated))).toMatch(expected);
    });

    it.each([-7, -8, -257] as CoseAlg[])('tampered signature (alg %i)', async (alg) => {
      const auth = new SoftAuthenticator();
      const { stored } = await enrol(auth, alg);
      const { options, response } = await assertion(auth, stored, { tamperSignature: true });
      expect(await outcome(verifyAuth(options, response, stored))).toBe('verified:false');
    });

    it('replayed counter (equal to stored) is rejected', async () => {
      const auth = new SoftAuthenticator();
      const { stored } = await enrol(auth, -7, { counter: 5 });
      const { options, response } = await assertion(auth, { ...stored, counter: 6 });
      expect(await outcome(verifyAuth(options, response, { ...stored, counter: 6 }))).toMatch(
        /counter value 6 was lower than expected 6/,
      );
    });

    it("another user's credential does not verify against this user's key", async () => {
      const auth = new SoftAuthenticator();
      const alice = await enrol(auth);
      const bob = await enrol(auth);
      const { options, response } = await assertion(auth, alice.stored, {
        credentialId: Buffer.from(bob.stored.id, 'base64url'),
      });
      expect(response.id).toBe(bob.stored.id);
      expect(await outcome(verifyAuth(options, response, alice.stored))).toBe('verified:false');
      // SimpleWebAuthn does not compare response.id with allowCredentials or credential.id:
      // checked against Bob's key it verifies, so the server must check ownership itself.
      expect(await outcome(verifyAuth(options, response, bob.stored))).toBe('VERIFIED');
    });

    it('userHandle can be forged or omitted', async () => {
      const auth = new SoftAuthenticator();
      const { stored } = await enrol(auth);
      const forged = await assertion(auth, stored, { userHandle: Buffer.from('mallory') });
      expect(forged.response.response.userHandle).toBe(
        Buffer.from('mallory').toString('base64url'),
      );
      const omitted = await assertion(auth, stored, { userHandle: null });
      expect(omitted.response.response.userHandle).toBeUndefined();
    });
  });
});
