import { createPublicKey } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { DomainError, ErrorCode } from '../../common/errors';
import { keyPair } from '../../../test/support/key-pairs';
import { importCredentialKey, MIN_RSA_MODULUS_BITS } from './credential-key';

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

describe('importCredentialKey', () => {
  it('node:crypto refuses an EC JWK whose point is not on the curve', () => {
    const jwk = keyPair({ type: 'ec' }).publicJwk;
    const y = Buffer.from(jwk.y!, 'base64url');
    y[31] ^= 1;
    expect(() =>
      createPublicKey({ key: { ...jwk, y: y.toString('base64url') }, format: 'jwk' }),
    ).toThrow();
  });

  it('imports genuine ES256, EdDSA and RS256 keys', () => {
    const ed = keyPair({ type: 'ed25519' }).publicJwk;
    expect(importCredentialKey(ec2()).asymmetricKeyType).toBe('ec');
    expect(
      importCredentialKey(
        coseOf([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, bin(ed.x)],
        ]),
      ).asymmetricKeyType,
    ).toBe('ed25519');
    expect(importCredentialKey(rsa(MIN_RSA_MODULUS_BITS)).asymmetricKeyType).toBe('rsa');
  });

  it.each<[string, () => Uint8Array]>([
    ['a point off the curve', () => ec2(true)],
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
    expect(refusal(() => importCredentialKey(make()))).toBe(ErrorCode.PUBLIC_KEY_INVALID);
  });
});
