/**
 * Key pairs for tests, made so that no key-generation job shares their keys: the only way tests
 * make keys (eslint forbids `generateKeyPairSync` elsewhere).
 *
 * Why: on Node 20, `generateKeyPairSync` leaves its job object to the garbage collector, and the
 * job's destructor takes the key's mutex. Exporting or using that key (`export({ format: 'jwk' })`,
 * signing) holds the same mutex while it allocates; when that allocation starts a GC which
 * destroys the job, the thread waits on itself forever. CI met it: a jest worker asleep in
 * `__lll_lock_wait` under `KeyObjectHandle::ExportJWK` → GC → `~KeyGenJob`, in
 * passkey-import-export (thousands of keys). Under `--gc-interval=N`, 4 of 8 runs of the old
 * pattern hung, none of this one. The service makes its keys with jose (WebCrypto, async), which
 * did not hang under the same stress.
 *
 * Here the job encodes both keys as JWK itself (while it is alive), and the KeyObjects are made
 * afresh from those JWKs: no job holds them.
 */
/* eslint-disable no-restricted-imports -- the one place tests make keys */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  JsonWebKey,
  KeyObject,
} from 'node:crypto';
/* eslint-enable no-restricted-imports */

export type KeyPairSpec =
  | { type: 'ec'; namedCurve?: 'P-256' | 'P-384' | 'P-521' }
  | { type: 'ed25519' }
  | { type: 'rsa'; modulusLength: number };

export interface TestKeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
  privateJwk: JsonWebKey;
}

const JWK = {
  publicKeyEncoding: { format: 'jwk' },
  privateKeyEncoding: { format: 'jwk' },
} as const;

/** A fresh key pair; `ec` is P-256 unless named. */
export function keyPair(spec: KeyPairSpec = { type: 'ec' }): TestKeyPair {
  const made =
    spec.type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: spec.namedCurve ?? 'P-256', ...JWK })
      : spec.type === 'ed25519'
        ? generateKeyPairSync('ed25519', JWK)
        : generateKeyPairSync('rsa', { modulusLength: spec.modulusLength, ...JWK });
  const { publicKey: publicJwk, privateKey: privateJwk } = made as unknown as {
    publicKey: JsonWebKey;
    privateKey: JsonWebKey;
  };
  return {
    publicJwk,
    privateJwk,
    publicKey: createPublicKey({ key: publicJwk, format: 'jwk' }),
    privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }),
  };
}
