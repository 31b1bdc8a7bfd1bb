import { isoCBOR } from '@simplewebauthn/server/helpers';
import { DomainError, ErrorCode } from '../../common/errors';
import { keyPair } from '../../../test/support/key-pairs';
import { assertUsableCredentialKey, MIN_RSA_MODULUS_BITS } from './credential-key';

const bin = (s?: string) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
const coseOf = (entries: [number, unknown][]) =>
  isoCBOR.encode(new Map(entries) as never) as Uint8Array;

function ec2(flipY = false) {
  const jwk = keyPair({ type: 'ec' }).publicJwk;
  const y = bin(jwk.y);
  if (flipY) y[31] ^= 1;
  return coseOf([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, bin(jwk.x)],
    [-3, y],
  ]);
}

const p256 = (x: Uint8Array, y: Uint8Array) =>
  coseOf([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, x],
    [-3, y],
  ]);

/** P-256's field prime and the curve point (0, √b), as 32-byte big-endian values. */
const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  for (let b = base % mod, e = exp; e > 0n; e >>= 1n, b = (b * b) % mod)
    if (e & 1n) result = (result * b) % mod;
  return result;
}
const bytes32 = (n: bigint) => new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
/** p ≡ 3 (mod 4): √b = b^((p+1)/4). */
const SQRT_B = modPow(B, (P + 1n) / 4n, P);

/** A genuine P-256 public key whose x starts with a zero octet. */
function keyWithLeadingZeroX() {
  for (;;) {
    const jwk = keyPair({ type: 'ec' }).publicJwk;
    if (bin(jwk.x)[0] === 0) return { x: bin(jwk.x), y: bin(jwk.y) };
  }
}

function rsa(bits: number) {
  const jwk = keyPair({ type: 'rsa', modulusLength: bits }).publicJwk;
  return coseOf([
    [1, 3],
    [3, -257],
    [-1, bin(jwk.n)],
    [-2, bin(jwk.e)],
  ]);
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('assertUsableCredentialKey', () => {
  it('accepts genuine ES256, EdDSA and RS256 keys and answers their algorithm', () => {
    const ed = keyPair({ type: 'ed25519' }).publicJwk;
    expect(assertUsableCredentialKey(ec2())).toBe(-7);
    expect(
      assertUsableCredentialKey(
        coseOf([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, bin(ed.x)],
        ]),
      ),
    ).toBe(-8);
    expect(assertUsableCredentialKey(rsa(MIN_RSA_MODULUS_BITS))).toBe(-257);
  });

  it('accepts P-256 coordinates with leading zero octets missing or extra, as WebCrypto does', () => {
    const { x, y } = keyWithLeadingZeroX();
    expect(assertUsableCredentialKey(p256(x.subarray(1), y))).toBe(-7);
    expect(assertUsableCredentialKey(p256(x, new Uint8Array([0, ...y])))).toBe(-7);
    // the curve point with x = 0, the base of the next refusal
    expect(assertUsableCredentialKey(p256(bytes32(0n), bytes32(SQRT_B)))).toBe(-7);
  });

  it.each<[string, () => Uint8Array]>([
    ['a point off the curve', () => ec2(true)],
    [
      'a P-256 coordinate that does not fit 32 bytes',
      () => {
        const jwk = keyPair({ type: 'ec' }).publicJwk;
        return p256(bin(jwk.x), new Uint8Array([1, ...bin(jwk.y)]));
      },
    ],
    [
      // (p, √b) is (0, √b) on the curve, written with x = 0 + p
      'a P-256 coordinate at or above the field prime',
      () => p256(bytes32(P), bytes32(SQRT_B)),
    ],
    [
      'a truncated Ed25519 key',
      () =>
        coseOf([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, bin(keyPair({ type: 'ed25519' }).publicJwk.x).subarray(0, 31)],
        ]),
    ],
    ['an RSA modulus below 2048 bits', () => rsa(1024)],
    ['an EC2 key under the EdDSA algorithm', () => ec2().map((b, i) => (i === 4 ? 0x27 : b))],
    [
      'an unknown key type',
      () =>
        coseOf([
          [1, 99],
          [3, -7],
        ]),
    ],
    [
      'an algorithm outside ES256/EdDSA/RS256',
      () =>
        coseOf([
          [1, 2],
          [3, -36],
          [-1, 3],
        ]),
    ],
    ['bytes that are not CBOR', () => new Uint8Array([0xff, 0x00])],
  ])('refuses %s with PUBLIC_KEY_INVALID', (_name, make) => {
    expect(refusal(() => assertUsableCredentialKey(make()))).toBe(ErrorCode.PUBLIC_KEY_INVALID);
  });
});
