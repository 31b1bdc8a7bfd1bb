import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { convertAAGUIDToString } from '@simplewebauthn/server/helpers';
import { decodeCBOR } from '@levischuck/tiny-cbor';
import {
  applyTrustPolicy,
  assessAttestation,
  AttestationEvidence,
  TrustPolicy,
} from '../../attestation/attestation-trust';
import type { MetadataEntry } from '../../attestation/metadata-entry';
import { DomainError, ErrorCode } from '../../common/errors';
import { assertUsableCredentialKey } from './credential-key';
import { Expected, fromBase64Url, parseAuthData, ParsedAuthData, precheck } from './prechecks';
// SimpleWebAuthn's digests and ECDSA verifications run synchronously (see the module)
import './no-outbound-fetch';
import './sync-webcrypto';

export interface RegistrationExpected extends Expected {
  algorithms: number[];
  trust: TrustPolicy;
  /** The FIDO metadata of an AAGUID (a port: the caller reads PostgreSQL). */
  metadataFor(aaguid: string): Promise<MetadataEntry | undefined>;
}

export interface NewCredential {
  credentialId: string;
  publicKey: Uint8Array;
  algorithm: number;
  counter: number;
  aaguid: string;
  transports: string[];
  backupEligible: boolean;
  backedUp: boolean;
  attestationFormat: string;
  userVerified: boolean;
  attestation: AttestationEvidence;
}

/** WebAuthn §5.1: a credential id is 1 to 1023 bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;

const malformed = (detail: string) => new DomainError(ErrorCode.VERIFICATION_FAILED, detail);

/**
 * The attestation object decoded whole and its authData parsed, once per completion: the AAGUID
 * it claims chooses the metadata read with the session, and the verification reads the rest.
 */
export interface DecodedAttestation {
  object: Map<string, unknown>;
  /** null when authData does not parse (refused where the checks reach it). */
  parsed: ParsedAuthData | null;
}

/**
 * Decodes the response's attestation object (trailing bytes after its CBOR are refused). A
 * malformed one answers its refusal instead of throwing it: the completion first reads its
 * session, so that it can record the failure there.
 */
export function decodeAttestation(
  response: RegistrationResponseJSON,
): DecodedAttestation | DomainError {
  let decoded: unknown;
  try {
    decoded = decodeCBOR(fromBase64Url(response.response.attestationObject));
  } catch {
    return malformed('attestationObject is not one well-formed CBOR item (or has trailing bytes)');
  }
  const authData = decoded instanceof Map ? decoded.get('authData') : undefined;
  if (!(authData instanceof Uint8Array)) return malformed('attestationObject has no authData');
  return {
    object: decoded as Map<string, unknown>,
    parsed: parseAuthData(authData as Uint8Array<ArrayBuffer>),
  };
}

/** The credential id inside authData must be 1-1023 bytes and be the response's id and rawId. */
function assertCredentialId(
  response: RegistrationResponseJSON,
  parsed: ParsedAuthData | null,
): void {
  if (!parsed) throw malformed('authData cannot be parsed');
  const credentialId = parsed.credentialID;
  if (!credentialId || credentialId.length < 1 || credentialId.length > MAX_CREDENTIAL_ID_BYTES)
    throw malformed(`The credential id must be 1-${MAX_CREDENTIAL_ID_BYTES} bytes`);
  const id = Buffer.from(credentialId).toString('base64url');
  if (response.id !== id || response.rawId !== id)
    throw malformed('id and rawId must be the credential id inside the attestation');
}

/** The AAGUID the response claims (to read its metadata with the claim); null if unreadable. */
export function claimedAaguid(decoded: DecodedAttestation | DomainError): string | null {
  const aaguid = decoded instanceof DomainError ? undefined : decoded.parsed?.aaguid;
  return aaguid?.length === 16 ? convertAAGUIDToString(aaguid).toLowerCase() : null;
}

/** The attestation statement's certificate chain (DER, leaf first), when it has one. */
function x5cOf(attestationObject: Map<string, unknown>): Uint8Array[] | undefined {
  const attStmt = attestationObject.get('attStmt');
  const x5c = attStmt instanceof Map ? attStmt.get('x5c') : undefined;
  return Array.isArray(x5c) && x5c.every((c) => c instanceof Uint8Array) ? x5c : undefined;
}

/**
 * WebAuthn §7.1 for one attestation, plus the policy's algorithm and attestation-trust rules.
 * Its only I/O is the metadata port.
 */
export async function verifyAttestation(
  response: RegistrationResponseJSON,
  decoded: DecodedAttestation | DomainError,
  expected: RegistrationExpected,
): Promise<NewCredential> {
  if (decoded instanceof DomainError) throw decoded;
  const { origin } = precheck(response.response.clientDataJSON, decoded.parsed, expected);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: origin,
      expectedRPID: expected.rpId,
      expectedType: 'webauthn.create',
      requireUserVerification: expected.requireUserVerification,
      supportedAlgorithmIDs: expected.algorithms,
    });
  } catch (error) {
    const message = (error as Error).message;
    const code =
      /alg/i.test(message) && /not|unexpected|unsupported/i.test(message)
        ? ErrorCode.ALGORITHM_NOT_ALLOWED
        : ErrorCode.VERIFICATION_FAILED;
    throw new DomainError(code, `Attestation rejected: ${message}`);
  }
  if (!verification.verified) {
    throw new DomainError(ErrorCode.SIGNATURE_INVALID, 'The attestation signature does not verify');
  }
  const info = verification.registrationInfo;
  assertCredentialId(response, decoded.parsed);
  const algorithm = assertUsableCredentialKey(info.credential.publicKey);
  if (!expected.algorithms.includes(algorithm)) {
    throw new DomainError(
      ErrorCode.ALGORITHM_NOT_ALLOWED,
      `Algorithm ${algorithm} is not allowed by the policy`,
    );
  }
  const aaguid = info.aaguid.toLowerCase();
  const entry = await expected.metadataFor(aaguid);
  const attestation = await assessAttestation(info.fmt, x5cOf(decoded.object), entry);
  applyTrustPolicy(attestation, aaguid, entry, expected.trust);
  return {
    credentialId: info.credential.id,
    publicKey: info.credential.publicKey,
    algorithm,
    counter: info.credential.counter,
    aaguid,
    transports: response.response.transports ?? [],
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    attestationFormat: info.fmt,
    userVerified: info.userVerified,
    attestation,
  };
}
