import { createPublicKey, ECDH, JsonWebKey } from 'node:crypto';
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

/** COSE_Key (RFC 9053 labels) → JWK, for Ed25519 and RSA keys. */
function jwkOf(key: Map<number, unknown>): JsonWebKey {
  if (key.get(COSEKEYS.kty) === COSEKTY.OKP)
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(key.get(COSEKEYS.x)) };
  return { kty: 'RSA', n: b64u(key.get(COSEKEYS.n)), e: b64u(key.get(COSEKEYS.e)) };
}

/** P-256 coordinates are 32 bytes each (SEC 1 §2.3.3 with a 256-bit field). */
const P256_COORDINATE_BYTES = 32;
/** SEC 1 §2.3.3: the uncompressed encoding of a point is 0x04 || x || y. */
const UNCOMPRESSED = Buffer.from([0x04]);

/**
 * A coordinate as 32 bytes. RFC 9053 wants exactly 32 (leading zero octets kept), but the JWK
 * import this check replaced took the big-endian value with zero octets missing or extra, as
 * WebCrypto, which verifies the assertions, still does: a key an authenticator wrote so still
 * registers. A value that does not fit 32 bytes is refused.
 */
function coordinate(value: unknown): Buffer {
  if (!(value instanceof Uint8Array) || value.length < 1)
    throw invalid('a P-256 key needs x and y coordinates');
  let start = 0;
  while (value.length - start > P256_COORDINATE_BYTES && value[start] === 0) start++;
  const digits = value.subarray(start);
  if (digits.length > P256_COORDINATE_BYTES)
    throw invalid('a P-256 coordinate does not fit 32 bytes');
  const padded = Buffer.alloc(P256_COORDINATE_BYTES);
  padded.set(digits, P256_COORDINATE_BYTES - digits.length);
  return padded;
}

/**
 * A P-256 point must lie on the curve. OpenSSL checks that when it decodes the uncompressed point
 * (`ECDH.convertKey`: coordinates below the field prime, and y² = x³ − 3x + b), at about a
 * quarter of the cost of a JWK import, which also multiplies the point by the group order: with
 * cofactor 1 every point on the curve passes that, so the check adds nothing for P-256.
 */
function assertP256Point(key: Map<number, unknown>): void {
  const point = Buffer.concat([
    UNCOMPRESSED,
    coordinate(key.get(COSEKEYS.x)),
    coordinate(key.get(COSEKEYS.y)),
  ]);
  try {
    ECDH.convertKey(point, 'prime256v1');
  } catch {
    throw invalid('the point is not on the P-256 curve');
  }
}

/**
 * Checks the COSE public key once, at registration, so that a key no assertion could ever
 * verify against (unknown type, a point off the curve, a truncated Ed25519 key, a short RSA
 * modulus) is refused there instead of being stored. Returns its COSE algorithm. node:crypto
 * validates Ed25519 lengths and RSA keys on JWK import, P-256 points as {@link assertP256Point}.
 */
export function assertUsableCredentialKey(coseKey: Uint8Array): number {
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
  if (wanted.kty === COSEKTY.EC2) {
    assertP256Point(key);
    return alg as number;
  }
  let bits: number | undefined;
  try {
    bits = createPublicKey({ key: jwkOf(key), format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    throw invalid('it does not import (a wrong length, or not a key)');
  }
  if (wanted.kty === COSEKTY.RSA && (bits === undefined || bits < MIN_RSA_MODULUS_BITS))
    throw invalid(`RSA modulus of ${bits ?? 0} bits, at least ${MIN_RSA_MODULUS_BITS} required`);
  return alg as number;
}

/**
 * A public key brought in by an import (no attestation to extract it from): exactly one CBOR
 * item, usable as {@link assertUsableCredentialKey} requires, and of the algorithm the row states.
 */
export function assertImportableKey(coseKey: Uint8Array, algorithm: number): void {
  let whole: unknown;
  try {
    whole = decodeCBOR(new Uint8Array(coseKey));
  } catch {
    throw invalid('not exactly one CBOR item (or trailing bytes)');
  }
  assertUsableCredentialKey(coseKey);
  const alg = (whole as Map<number, unknown>).get(COSEKEYS.alg);
  if (alg !== algorithm) throw invalid(`its algorithm is ${String(alg)}, not ${algorithm}`);
}
