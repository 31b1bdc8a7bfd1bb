import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { decodeCBOR } from '@levischuck/tiny-cbor';
import { DomainError, ErrorCode } from '../../common/errors';

/** RSA moduli shorter than this are refused (NIST SP 800-131A: 2048 bits since 2014). */
export const MIN_RSA_MODULUS_BITS = 2048;

const { COSEKEYS, COSEKTY, COSECRV } = cose;

/** The key type (and curve) each COSE algorithm we accept needs; anything else is refused. */
const KEY_OF_ALG: Record<number, { kty: number; crv?: number }> = {
  [-7]: { kty: COSEKTY.EC2, crv: COSECRV.P256 },
  [-8]: { kty: COSEKTY.OKP, crv: COSECRV.ED25519 },
  [-257]: { kty: COSEKTY.RSA },
};

const invalid = (detail: string) =>
  new DomainError(ErrorCode.PUBLIC_KEY_INVALID, `The credential public key is unusable: ${detail}`);

const b64u = (value: unknown): string | undefined =>
  value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : undefined;

/** COSE_Key (RFC 9053 labels) → JWK, for the key types and curves {@link KEY_OF_ALG} accepts. */
function jwkOf(key: Map<number, unknown>): JsonWebKey {
  const kty = key.get(COSEKEYS.kty);
  const crv = key.get(COSEKEYS.crv);
  if (kty === COSEKTY.EC2 && crv === COSECRV.P256)
    return { kty: 'EC', crv: 'P-256', x: b64u(key.get(COSEKEYS.x)), y: b64u(key.get(COSEKEYS.y)) };
  if (kty === COSEKTY.OKP && crv === COSECRV.ED25519)
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(key.get(COSEKEYS.x)) };
  if (kty === COSEKTY.RSA)
    return { kty: 'RSA', n: b64u(key.get(COSEKEYS.n)), e: b64u(key.get(COSEKEYS.e)) };
  throw invalid(`key type ${String(kty)} with curve ${String(crv)} is not supported`);
}

/**
 * Imports the COSE public key once, at registration, so that a key no assertion could ever
 * verify against (unknown type, a point off the curve, a truncated Ed25519 key, a short RSA
 * modulus) is refused there instead of being stored. node:crypto validates EC points and key
 * lengths on JWK import.
 */
export function importCredentialKey(coseKey: Uint8Array): KeyObject {
  let key: Map<number, unknown>;
  try {
    key = decodeCredentialPublicKey(new Uint8Array(coseKey)) as unknown as Map<number, unknown>;
  } catch {
    throw invalid('not a COSE key');
  }
  if (!(key instanceof Map)) throw invalid('not a COSE key');
  const alg = key.get(COSEKEYS.alg);
  const wanted = typeof alg === 'number' ? KEY_OF_ALG[alg] : undefined;
  if (!wanted) throw invalid(`algorithm ${String(alg)} is not supported`);
  // for RSA, label -1 is the modulus, not a curve
  if (
    key.get(COSEKEYS.kty) !== wanted.kty ||
    (wanted.crv !== undefined && key.get(COSEKEYS.crv) !== wanted.crv)
  )
    throw invalid(`key type or curve does not match algorithm ${alg}`);
  const jwk = jwkOf(key);
  let imported: KeyObject;
  try {
    imported = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw invalid('it does not import (a point off the curve, or a wrong length)');
  }
  const bits = imported.asymmetricKeyDetails?.modulusLength;
  if (wanted.kty === COSEKTY.RSA && (bits === undefined || bits < MIN_RSA_MODULUS_BITS))
    throw invalid(`RSA modulus of ${bits ?? 0} bits, at least ${MIN_RSA_MODULUS_BITS} required`);
  return imported;
}

/**
 * A public key brought in by an import (no attestation to extract it from): exactly one CBOR
 * item, usable as {@link importCredentialKey} requires, and of the algorithm the row states.
 */
export function assertImportableKey(coseKey: Uint8Array, algorithm: number): void {
  let whole: unknown;
  try {
    whole = decodeCBOR(new Uint8Array(coseKey));
  } catch {
    throw invalid('not exactly one CBOR item (or trailing bytes)');
  }
  importCredentialKey(coseKey);
  const alg = (whole as Map<number, unknown>).get(COSEKEYS.alg);
  if (alg !== algorithm) throw invalid(`its algorithm is ${String(alg)}, not ${algorithm}`);
}
