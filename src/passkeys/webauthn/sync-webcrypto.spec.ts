import { randomBytes, webcrypto } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { SoftAuthenticator } from '../../../test/support/soft-authenticator';
import { IMPORTED_KEYS_KEPT, syncSubtle } from './sync-webcrypto';

const subtle = webcrypto.subtle;

/** The outcome of a call: its value, or the name of what it threw. */
async function outcome<T>(call: () => Promise<T>): Promise<T | string> {
  try {
    return await call();
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

/** The JWK SimpleWebAuthn imports a COSE EC2 key as (`verifyEC2`). */
const asSimpleWebAuthnDoes = ({ kty, crv, x, y }: webcrypto.JsonWebKey) => ({
  kty,
  crv,
  x,
  y,
  ext: false,
});

const hex = (b: ArrayBuffer | string) =>
  typeof b === 'string' ? b : Buffer.from(b).toString('hex');

describe('SimpleWebAuthn on synchronous digests and ECDSA verifications', () => {
  const data = randomBytes(301);

  it('digest: the same bytes as WebCrypto for every hash, name form and kind of buffer', async () => {
    const views = [
      data,
      data.subarray(7, 250),
      new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)),
      data.buffer.slice(data.byteOffset, data.byteOffset + 100),
      new DataView(data.buffer, data.byteOffset + 3, 40),
      new Uint8Array(0),
    ];
    const delegated = jest.spyOn(subtle, 'digest');
    for (const name of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'sha-256']) {
      for (const algorithm of [name, { name }]) {
        for (const view of views) {
          const before = delegated.mock.calls.length;
          const ours = await syncSubtle.digest(algorithm, view);
          expect(delegated.mock.calls.length).toBe(before); // computed by createHash
          expect(ours).toBeInstanceOf(ArrayBuffer);
          expect(hex(ours)).toBe(hex(await subtle.digest(algorithm, view)));
        }
      }
    }
    delegated.mockRestore();
  });

  it('digest: what WebCrypto refuses is refused the same way', async () => {
    for (const [algorithm, view] of [
      ['MD5', data],
      ['SHA-3', data],
      [{ name: 'SHA-256' }, 'not bytes'],
    ] as const) {
      const ours = await outcome(() => syncSubtle.digest(algorithm, view as never));
      expect(ours).toMatch(/^throws /);
      expect(ours).toBe(await outcome(() => subtle.digest(algorithm, view as never)));
    }
  });

  it('a SharedArrayBuffer or a detached buffer is left to WebCrypto (it refuses or reads it its own way)', async () => {
    // Node's WebCrypto refuses shared memory and reads a detached buffer as empty; under jest's
    // vm context it does not always recognise shared memory, so the test checks that such input
    // is handed to WebCrypto itself, and that the answer is WebCrypto's
    const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const params = { name: 'ECDSA', hash: 'SHA-256' };
    const signature = new Uint8Array(await subtle.sign(params, pair.privateKey, data));
    const shared = (bytes: Uint8Array) => {
      const view = new Uint8Array(new SharedArrayBuffer(bytes.length));
      view.set(bytes);
      return view;
    };
    const detached = (bytes: Uint8Array) => {
      const buffer = Uint8Array.from(bytes).buffer;
      structuredClone(buffer, { transfer: [buffer] });
      return buffer;
    };
    const detachedView = (bytes: Uint8Array) => {
      const view = Uint8Array.from(bytes);
      structuredClone(view.buffer, { transfer: [view.buffer] });
      return view;
    };
    const verifyCalls = jest.spyOn(subtle, 'verify');
    const digestCalls = jest.spyOn(subtle, 'digest');
    try {
      const inputs: [string, unknown, unknown][] = [
        ['shared data', signature, shared(data)],
        ['a shared signature', shared(signature), data],
        ['detached data', signature, detached(data)],
        ['a detached signature', detached(signature), data],
        ['a view on detached data', signature, detachedView(data)],
      ];
      for (const [what, sig, message] of inputs) {
        const before = verifyCalls.mock.calls.length;
        const ours = await outcome(() =>
          syncSubtle.verify(params, pair.publicKey, sig as Uint8Array, message as Uint8Array),
        );
        expect([what, verifyCalls.mock.calls.length - before]).toEqual([what, 1]);
        expect([what, ours]).toEqual([
          what,
          await outcome(() =>
            subtle.verify(params, pair.publicKey, sig as Uint8Array, message as Uint8Array),
          ),
        ]);
      }
      for (const [what, message] of [
        ['shared', shared(data)],
        ['detached', detached(data)],
        ['a view on detached', detachedView(data)],
      ] as const) {
        const before = digestCalls.mock.calls.length;
        const ours = await outcome(async () => hex(await syncSubtle.digest('SHA-256', message)));
        expect([what, digestCalls.mock.calls.length - before]).toEqual([what, 1]);
        expect([what, ours]).toEqual([
          what,
          await outcome(async () => hex(await subtle.digest('SHA-256', message))),
        ]);
      }
    } finally {
      verifyCalls.mockRestore();
      digestCalls.mockRestore();
    }
  });

  it('verify: ECDSA gives WebCrypto’s answer on valid, mutated and malformed signatures', async () => {
    const cases = [
      ['P-256', 'SHA-256', 64],
      ['P-384', 'SHA-384', 96],
      ['P-521', 'SHA-512', 132],
      ['P-256', 'SHA-512', 64],
      ['P-256', 'SHA-1', 64],
      ['P-256', 'SHA-384', 64],
      ['P-384', 'SHA-256', 96], // COSE alg -7 on a P-384 key
    ] as const;
    const delegated = jest.spyOn(subtle, 'verify');
    let valid = 0;
    let compared = 0;
    for (const [namedCurve, hash, length] of cases) {
      const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve }, true, [
        'sign',
        'verify',
      ]);
      const params = { name: 'ECDSA', hash };
      const signature = new Uint8Array(await subtle.sign(params, pair.privateKey, data));
      expect(signature.length).toBe(length);
      const flipped = (bytes: Uint8Array, at: number) => {
        const copy = Uint8Array.from(bytes);
        copy[at] ^= 0x01;
        return copy;
      };
      const signatures = [
        signature,
        flipped(signature, 0),
        flipped(signature, length / 2),
        flipped(signature, length - 1),
        signature.subarray(0, length - 1),
        new Uint8Array([...signature, 0]),
        new Uint8Array(0),
        new Uint8Array(length), // r = s = 0
        new Uint8Array(length).fill(0xff), // r, s above the group order
        signature.buffer.slice(0), // an ArrayBuffer
      ];
      const messages = [data, flipped(data, 100), data.subarray(1), new Uint8Array(0)];
      for (const algorithm of [params, { name: 'ecdsa', hash: { name: hash } }]) {
        for (const sig of signatures) {
          for (const message of messages) {
            const before = delegated.mock.calls.length;
            const ours = await outcome(() =>
              syncSubtle.verify(algorithm, pair.publicKey, sig, message),
            );
            expect(delegated.mock.calls.length).toBe(before); // verified by crypto.verify
            expect(ours).toBe(
              await outcome(() => subtle.verify(algorithm, pair.publicKey, sig, message)),
            );
            if (ours === true) valid++;
            compared++;
          }
        }
      }
    }
    expect(valid).toBe(cases.length * 2 * 2); // the signature and its ArrayBuffer, both name forms
    expect(compared).toBeGreaterThan(300);
    delegated.mockRestore();
  });

  it('verify: keys WebCrypto refuses, and other algorithms, are WebCrypto’s own answer', async () => {
    const ec = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, data);
    const signOnly = await subtle.importKey(
      'jwk',
      await subtle.exportKey('jwk', ec.publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      [],
    );
    const ed = (await subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const edSignature = await subtle.sign({ name: 'Ed25519' }, ed.privateKey, data);
    const rsa = await subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    );
    const rsaSignature = await subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, rsa.privateKey, data);
    const calls: [string, object, webcrypto.CryptoKey, ArrayBuffer][] = [
      ['a private key', { name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, signature],
      ['a key without the verify usage', { name: 'ECDSA', hash: 'SHA-256' }, signOnly, signature],
      ['an unknown hash', { name: 'ECDSA', hash: 'SHA-3' }, ec.publicKey, signature],
      ['no hash', { name: 'ECDSA' }, ec.publicKey, signature],
      ['an EC key named for another algorithm', { name: 'Ed25519' }, ec.publicKey, signature],
      [
        'an EC key as RSA-PSS, with a hash',
        { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
        ec.publicKey,
        signature,
      ],
      [
        'an EC key as HMAC, with a hash',
        { name: 'HMAC', hash: 'SHA-256' },
        ec.publicKey,
        signature,
      ],
      [
        'an EC key as ECDH, with a hash',
        { name: 'ECDH', hash: 'SHA-256' },
        ec.publicKey,
        signature,
      ],
      ['an Ed25519 key', { name: 'Ed25519' }, ed.publicKey, edSignature],
      ['an Ed25519 key as ECDSA', { name: 'ECDSA', hash: 'SHA-256' }, ed.publicKey, edSignature],
      ['an RSA key', { name: 'RSASSA-PKCS1-v1_5' }, rsa.publicKey, rsaSignature],
    ];
    for (const [what, algorithm, key, sig] of calls) {
      const ours = await outcome(() => syncSubtle.verify(algorithm as never, key, sig, data));
      expect([what, ours]).toEqual([
        what,
        await outcome(() => subtle.verify(algorithm as never, key, sig, data)),
      ]);
    }
  });

  it('importKey: an EC public key from a JWK is imported once and kept, other imports are not', async () => {
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
    const newJwk = async () => {
      const pair = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
      return { pair, jwk: asSimpleWebAuthnDoes(await subtle.exportKey('jwk', pair.publicKey)) };
    };
    const { pair, jwk } = await newJwk();
    const imports = jest.spyOn(subtle, 'importKey');
    try {
      const fresh = () =>
        syncSubtle.importKey('jwk', { ...jwk }, { ...algorithm }, false, ['verify']);
      const first = await fresh();
      const again = await fresh();
      expect(again).toBe(first);
      expect(imports).toHaveBeenCalledTimes(1);
      expect(Object.isFrozen(first.usages) && Object.isFrozen(first.algorithm)).toBe(true);
      const params = { name: 'ECDSA', hash: 'SHA-256' };
      const signature = await subtle.sign(params, pair.privateKey, data);
      expect(await syncSubtle.verify(params, again, signature, data)).toBe(true);
      expect(await syncSubtle.verify(params, again, signature, data.subarray(1))).toBe(false);

      // anything that differs is imported again: usages, extractability, curve, coordinates
      const other = await newJwk();
      const variants: [string, () => Promise<webcrypto.CryptoKey>][] = [
        ['usages', () => syncSubtle.importKey('jwk', jwk, algorithm, false, [])],
        [
          'extractable',
          () => syncSubtle.importKey('jwk', { ...jwk, ext: true }, algorithm, true, ['verify']),
        ],
        ['another key', () => syncSubtle.importKey('jwk', other.jwk, algorithm, false, ['verify'])],
        [
          'ext alone',
          () => syncSubtle.importKey('jwk', { ...jwk, ext: true }, algorithm, false, ['verify']),
        ],
      ];
      for (const [what, run] of variants) {
        const before = imports.mock.calls.length;
        const key = await run();
        expect([what, key === first, imports.mock.calls.length - before]).toEqual([what, false, 1]);
      }

      // never kept: a refused import, a JWK with other members, a private key, another format,
      // coordinates with extra zero octets, members WebCrypto could read differently
      const offCurve = { ...jwk, y: jwk.x };
      const padded = {
        ...jwk,
        x: Buffer.concat([Buffer.alloc(1), Buffer.from(jwk.x!, 'base64url')]).toString('base64url'),
      };
      const inheritsD = Object.assign(
        Object.create({ d: (await subtle.exportKey('jwk', pair.privateKey)).d }) as object,
        jwk,
      );
      let reads = 0;
      const shifty = {
        ...jwk,
        get x() {
          return reads++ === 0 ? jwk.x : other.jwk.x;
        },
      };
      const notKept: [string, () => Promise<unknown>][] = [
        ['padded', () => syncSubtle.importKey('jwk', padded, algorithm, false, ['verify'])],
        [
          'inheriting d',
          () => syncSubtle.importKey('jwk', inheritsD, algorithm, false, ['verify']),
        ],
        ['with a getter', () => syncSubtle.importKey('jwk', shifty, algorithm, false, ['verify'])],
        [
          'for another curve',
          () =>
            syncSubtle.importKey('jwk', jwk, { ...algorithm, namedCurve: 'P-384' }, false, [
              'verify',
            ]),
        ],
        [
          'off the curve',
          () => syncSubtle.importKey('jwk', offCurve, algorithm, false, ['verify']),
        ],
        [
          'with key_ops',
          () =>
            syncSubtle.importKey('jwk', { ...jwk, key_ops: ['verify'] }, algorithm, false, [
              'verify',
            ]),
        ],
        [
          'with alg',
          () => syncSubtle.importKey('jwk', { ...jwk, alg: 'ES256' }, algorithm, false, ['verify']),
        ],
        [
          'a private key',
          async () =>
            syncSubtle.importKey(
              'jwk',
              await subtle.exportKey('jwk', pair.privateKey),
              algorithm,
              false,
              ['sign'],
            ),
        ],
        [
          'spki',
          async () =>
            syncSubtle.importKey(
              'spki',
              await subtle.exportKey('spki', pair.publicKey),
              algorithm,
              false,
              ['verify'],
            ),
        ],
      ];
      for (const [what, run] of notKept) {
        const before = imports.mock.calls.length;
        const a = await outcome(run);
        const b = await outcome(run);
        expect([what, imports.mock.calls.length - before]).toEqual([what, 2]);
        if (typeof a !== 'string') expect([what, a === b]).toEqual([what, false]);
      }
      const refused = (jwkData: object, alg: object) =>
        outcome(() => subtle.importKey('jwk', jwkData as never, alg as never, false, ['verify']));
      const call = Object.fromEntries(notKept);
      expect(await outcome(call['off the curve'])).toBe(await refused(offCurve, algorithm));
      expect(await outcome(call['inheriting d'])).toBe(await refused(inheritsD, algorithm));
      expect(await outcome(call['for another curve'])).toMatch(/^throws /);
      expect(typeof (await outcome(call.padded))).toBe('object'); // a key: WebCrypto takes it
    } finally {
      imports.mockRestore();
    }
  });

  it(`importKey keeps at most ${IMPORTED_KEYS_KEPT} keys, dropping the least recently used`, async () => {
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
    const jwks = [];
    for (let i = 0; i <= IMPORTED_KEYS_KEPT; i++) {
      const pair = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
      jwks.push(asSimpleWebAuthnDoes(await subtle.exportKey('jwk', pair.publicKey)));
    }
    const load = (jwk: webcrypto.JsonWebKey) =>
      syncSubtle.importKey('jwk', jwk, algorithm, false, ['verify']);
    const imports = jest.spyOn(subtle, 'importKey');
    try {
      const first = await load(jwks[0]);
      for (const jwk of jwks.slice(1, IMPORTED_KEYS_KEPT)) await load(jwk);
      expect(await load(jwks[0])).toBe(first); // used again: now the most recent
      await load(jwks[IMPORTED_KEYS_KEPT]); // one more: the least recently used (jwks[1]) goes
      expect(imports).toHaveBeenCalledTimes(IMPORTED_KEYS_KEPT + 1);
      expect(await load(jwks[0])).toBe(first);
      expect(imports).toHaveBeenCalledTimes(IMPORTED_KEYS_KEPT + 1);
      await load(jwks[1]);
      expect(imports).toHaveBeenCalledTimes(IMPORTED_KEYS_KEPT + 2);
    } finally {
      imports.mockRestore();
    }
  });

  it('SimpleWebAuthn verifies registrations and assertions through it, not through the thread pool', async () => {
    const rpID = 'login.example.com';
    const origin = `https://${rpID}`;
    const digest = jest.spyOn(subtle, 'digest');
    const verify = jest.spyOn(subtle, 'verify');
    const importKey = jest.spyOn(subtle, 'importKey');
    const ours = {
      digest: jest.spyOn(syncSubtle, 'digest'),
      verify: jest.spyOn(syncSubtle, 'verify'),
      importKey: jest.spyOn(syncSubtle, 'importKey'),
    };
    try {
      const authenticator = new SoftAuthenticator({ attestation: 'packed' });
      const creation = await generateRegistrationOptions({
        rpName: 'Example',
        rpID,
        userName: 'ada',
        supportedAlgorithmIDs: [-7],
      });
      const registration = await verifyRegistrationResponse({
        response: authenticator.register(creation, origin),
        expectedChallenge: creation.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      });
      expect(registration.verified).toBe(true);
      const credential = registration.registrationInfo!.credential;
      for (let i = 0; i < 2; i++) {
        const request = await generateAuthenticationOptions({ rpID });
        const assertion = await verifyAuthenticationResponse({
          response: authenticator.authenticate(request, origin),
          expectedChallenge: request.challenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          credential,
        });
        expect(assertion.verified).toBe(true);
      }
      // rpIdHash and clientDataHash of each; the self attestation's and the assertions' signatures
      expect(ours.digest.mock.calls.length).toBeGreaterThanOrEqual(6);
      expect(ours.verify).toHaveBeenCalledTimes(3);
      expect(digest).not.toHaveBeenCalled();
      expect(verify).not.toHaveBeenCalled();
      // the credential key, imported for the self attestation, is kept for the assertions
      expect(ours.importKey).toHaveBeenCalledTimes(3);
      expect(importKey).toHaveBeenCalledTimes(1);
    } finally {
      jest.restoreAllMocks();
    }
  });
});
