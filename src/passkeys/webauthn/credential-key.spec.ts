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

  it.each<[string, () => Uint8Array]>([
    ['a point off the curve', () => ec2(true)],
    [
      // 31 + 33 bytes: the same 64 bytes as a genuine point, split elsewhere
      'P-256 coordinates of the wrong lengths',
      () => {
        const jwk = keyPair({ type: 'ec' }).publicJwk;
        const xy = Buffer.concat([bin(jwk.x), bin(jwk.y)]);
        return coseOf([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, new Uint8Array(xy.subarray(0, 31))],
          [-3, new Uint8Array(xy.subarray(31))],
        ]);
      },
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
