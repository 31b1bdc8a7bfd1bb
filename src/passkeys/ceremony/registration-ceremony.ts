import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { decodeAttestationObject, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { DomainError, ErrorCode } from '../../common/errors';
import { Expected, fromBase64Url, precheck } from './prechecks';

export interface RegistrationExpected extends Expected {
  algorithms: number[];
  aaguidAllowList: string[];
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
}

const COSE_ALG = 3;

/** WebAuthn §7.1 for one attestation, plus the policy's algorithm and AAGUID rules. No I/O. */
export async function verifyAttestation(
  response: RegistrationResponseJSON,
  expected: RegistrationExpected,
): Promise<NewCredential> {
  let authData: Uint8Array<ArrayBuffer>;
  try {
    authData = decodeAttestationObject(fromBase64Url(response.response.attestationObject)).get(
      'authData',
    );
  } catch {
    throw new DomainError(ErrorCode.VERIFICATION_FAILED, 'attestationObject is not valid CBOR');
  }
  const { origin } = precheck(response.response.clientDataJSON, authData, expected);
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
  const algorithm = Number(decodeCredentialPublicKey(info.credential.publicKey).get(COSE_ALG));
  if (!expected.algorithms.includes(algorithm)) {
    throw new DomainError(
      ErrorCode.ALGORITHM_NOT_ALLOWED,
      `Algorithm ${algorithm} is not allowed by the policy`,
    );
  }
  const aaguid = info.aaguid.toLowerCase();
  if (
    expected.aaguidAllowList.length > 0 &&
    !expected.aaguidAllowList.some((a) => a.toLowerCase() === aaguid)
  ) {
    throw new DomainError(
      ErrorCode.AAGUID_NOT_ALLOWED,
      `Authenticator model ${aaguid} is not on the policy's allow-list`,
    );
  }
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
  };
}
