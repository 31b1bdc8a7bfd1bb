import { createHash } from 'node:crypto';
import { DomainError, ErrorCode } from '../../common/errors';
import { chooseChallenge } from './challenge';
import { authenticationOptions } from './options';
import { Expected, parseAuthData, ParsedAuthData, precheck } from './prechecks';

const RP = 'shop.example';
const ORIGIN = 'https://shop.example';
const expected: Expected = {
  type: 'webauthn.get',
  challenge: 'Y2hhbGxlbmdl',
  rpId: RP,
  origins: [],
  requireUserVerification: true,
};

const clientData = (over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({ type: 'webauthn.get', challenge: 'Y2hhbGxlbmdl', origin: ORIGIN, ...over }),
  ).toString('base64url');

/** rpIdHash | flags | counter (4 bytes), parsed as a ceremony parses it once. */
function authData(flags = 0x05, rpId = RP): ParsedAuthData | null {
  const bytes = new Uint8Array(37);
  bytes.set(createHash('sha256').update(rpId).digest());
  bytes[32] = flags;
  return parseAuthData(bytes);
}

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'OK';
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('prechecks (§7.1/§7.2: type, challenge, origin, rpIdHash, UP, UV)', () => {
  it('accepts a well-formed response and reports UV and BE', () => {
    expect(precheck(clientData(), authData(0x05 | 0x08), expected)).toEqual({
      origin: ORIGIN,
      userVerified: true,
      backupEligible: true,
    });
  });

  it.each([
    ['clientDataJSON that is not JSON', 'bm90IGpzb24', authData(), ErrorCode.VERIFICATION_FAILED],
    [
      'clientDataJSON that is null',
      Buffer.from('null').toString('base64url'),
      authData(),
      ErrorCode.VERIFICATION_FAILED,
    ],
    [
      'another type',
      clientData({ type: 'webauthn.create' }),
      authData(),
      ErrorCode.CLIENT_DATA_TYPE_MISMATCH,
    ],
    [
      'another challenge',
      clientData({ challenge: 'b3RoZXI' }),
      authData(),
      ErrorCode.CHALLENGE_MISMATCH,
    ],
    [
      'a foreign origin',
      clientData({ origin: 'https://evil.example' }),
      authData(),
      ErrorCode.ORIGIN_NOT_ALLOWED,
    ],
    [
      'a cross-origin iframe',
      clientData({ crossOrigin: true }),
      authData(),
      ErrorCode.ORIGIN_NOT_ALLOWED,
    ],
    [
      'a topOrigin with crossOrigin false (§7.1 step 11, §7.2 step 15)',
      clientData({ crossOrigin: false, topOrigin: 'https://evil.example' }),
      authData(),
      ErrorCode.ORIGIN_NOT_ALLOWED,
    ],
    [
      'a crossOrigin that is not a boolean',
      clientData({ crossOrigin: 'true' }),
      authData(),
      ErrorCode.ORIGIN_NOT_ALLOWED,
    ],
    ['another rpId', clientData(), authData(0x05, 'evil.example'), ErrorCode.RP_ID_MISMATCH],
    ['no UP', clientData(), authData(0x04), ErrorCode.USER_PRESENCE_REQUIRED],
    ['no UV where required', clientData(), authData(0x01), ErrorCode.USER_VERIFICATION_REQUIRED],
    [
      'truncated authenticatorData',
      clientData(),
      parseAuthData(new Uint8Array(10)),
      ErrorCode.VERIFICATION_FAILED,
    ],
  ])('refuses %s', (_what, cdj, ad, code) => {
    expect(codeOf(() => precheck(cdj as string, ad as ParsedAuthData | null, expected))).toBe(code);
  });

  it('UV is optional where the policy does not require it', () => {
    const relaxed = { ...expected, requireUserVerification: false };
    expect(precheck(clientData(), authData(0x01), relaxed).userVerified).toBe(false);
  });
});

describe('challenges and options', () => {
  it('an external challenge only where the policy allows it', () => {
    expect(chooseChallenge('ZXh0', true)).toBe('ZXh0');
    expect(codeOf(() => chooseChallenge('ZXh0', false))).toBe(
      ErrorCode.EXTERNAL_CHALLENGE_NOT_ALLOWED,
    );
    expect(Buffer.from(chooseChallenge(undefined, false), 'base64url')).toHaveLength(32);
  });

  it('authentication options carry the policy and the allowed credentials', async () => {
    const options = await authenticationOptions({
      rpId: RP,
      challenge: 'Y2hhbGxlbmdl',
      timeoutMs: 60000,
      userVerification: 'required',
      hints: ['client-device'],
      allowCredentials: [{ id: 'Y3JlZA', transports: ['internal'] }],
    });
    expect(options).toMatchObject({
      rpId: RP,
      challenge: 'Y2hhbGxlbmdl',
      timeout: 60000,
      userVerification: 'required',
      hints: ['client-device'],
      allowCredentials: [{ id: 'Y3JlZA', type: 'public-key', transports: ['internal'] }],
    });
  });
});
