import {
  decodeClientDataJSON,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode } from '../../common/errors';
import { originAllowed } from './origins';

export interface Expected {
  type: 'webauthn.create' | 'webauthn.get';
  challenge: string;
  rpId: string;
  origins: string[];
  requireUserVerification: boolean;
}

export interface Prechecked {
  origin: string;
  userVerified: boolean;
  /** The BE flag of authenticatorData. */
  backupEligible: boolean;
}

const fail = (code: ErrorCode, detail: string) => new DomainError(code, detail);

export type ParsedAuthData = ReturnType<typeof parseAuthenticatorData>;

/**
 * authenticatorData parsed once per ceremony (SimpleWebAuthn decodes and re-encodes the
 * credential public key in it, ~40 µs); null when it does not parse, which {@link precheck}
 * refuses where the steps reach it.
 */
export function parseAuthData(authData: Uint8Array<ArrayBuffer>): ParsedAuthData | null {
  try {
    return parseAuthenticatorData(authData);
  } catch {
    return null;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The checks of WebAuthn §7.1/§7.2 that can name their failure precisely — type, challenge,
 * origin, rpIdHash, UP, UV — run before the signature is looked at. SimpleWebAuthn repeats them
 * (defence in depth) and verifies the signature.
 */
export function precheck(
  clientDataJSON: string,
  parsed: ParsedAuthData | null,
  expected: Expected,
): Prechecked {
  let clientData: {
    type?: unknown;
    challenge?: unknown;
    origin?: unknown;
    crossOrigin?: unknown;
    topOrigin?: unknown;
  };
  try {
    clientData = decodeClientDataJSON(clientDataJSON);
  } catch {
    throw fail(ErrorCode.VERIFICATION_FAILED, 'clientDataJSON is not base64url-encoded JSON');
  }
  // JSON.parse accepts `null`, numbers, strings and arrays: only an object is client data
  if (typeof clientData !== 'object' || clientData === null || Array.isArray(clientData)) {
    throw fail(ErrorCode.VERIFICATION_FAILED, 'clientDataJSON is not a JSON object');
  }
  if (clientData.type !== expected.type) {
    throw fail(ErrorCode.CLIENT_DATA_TYPE_MISMATCH, `clientDataJSON.type must be ${expected.type}`);
  }
  if (
    typeof clientData.challenge !== 'string' ||
    !sameText(clientData.challenge, expected.challenge)
  ) {
    throw fail(
      ErrorCode.CHALLENGE_MISMATCH,
      'The response does not answer this session’s challenge',
    );
  }
  if (
    typeof clientData.origin !== 'string' ||
    !originAllowed(expected.rpId, expected.origins, clientData.origin)
  ) {
    // the origin is the caller's text: never quoted back (nor stored)
    throw fail(ErrorCode.ORIGIN_NOT_ALLOWED, `The origin is not allowed for ${expected.rpId}`);
  }
  // L3 §7.1 step 11 / §7.2 step 15: crossOrigin is false or absent, and a topOrigin (present
  // only for a ceremony in a cross-origin iframe) is never accepted; anything else is a client
  // that says it ran in an iframe of another site, or one that does not follow the format
  if (
    (clientData.crossOrigin !== undefined && clientData.crossOrigin !== false) ||
    clientData.topOrigin !== undefined
  ) {
    throw fail(ErrorCode.ORIGIN_NOT_ALLOWED, 'Cross-origin (iframe) ceremonies are not accepted');
  }
  if (!parsed) throw fail(ErrorCode.VERIFICATION_FAILED, 'authenticatorData is malformed');
  const rpIdHash = createHash('sha256').update(expected.rpId).digest();
  if (!timingSafeEqual(Buffer.from(parsed.rpIdHash), rpIdHash)) {
    throw fail(
      ErrorCode.RP_ID_MISMATCH,
      `The authenticator signed for another rpId than ${expected.rpId}`,
    );
  }
  if (!parsed.flags.up)
    throw fail(ErrorCode.USER_PRESENCE_REQUIRED, 'The user was not present (UP flag not set)');
  if (expected.requireUserVerification && !parsed.flags.uv) {
    throw fail(
      ErrorCode.USER_VERIFICATION_REQUIRED,
      'The policy requires user verification (UV flag not set)',
    );
  }
  return {
    origin: clientData.origin,
    userVerified: parsed.flags.uv,
    backupEligible: parsed.flags.be,
  };
}

export function fromBase64Url(value: string): Uint8Array<ArrayBuffer> {
  return isoBase64URL.toBuffer(value);
}
