import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { DomainError, ErrorCode } from '../../common/errors';
import { Expected, fromBase64Url, parseAuthData, precheck, Prechecked } from './prechecks';
// SimpleWebAuthn's digests and ECDSA verifications run synchronously (see the module)
import './sync-webcrypto';

export type CounterPolicyName = 'IGNORE' | 'FLAG' | 'FAIL';

export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array;
  signCounter: number;
  transports: string[];
  /** null: not known (an imported passkey whose source did not record it), until a sign-in. */
  backupEligible: boolean | null;
}

/** What SimpleWebAuthn proved: the credential's private key signed this assertion. */
export interface SignedAssertion {
  newCounter: number;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
}

export interface AssertionResult {
  newCounter: number;
  userVerified: boolean;
  /** What to store: the flag the credential had, or, where it was not known, the signed one. */
  backupEligible: boolean;
  backedUp: boolean;
  /** The counter did not grow although one of the two is non-zero (a possible clone). */
  counterRegression: boolean;
}

/**
 * §7.2 steps 11–16 that need no credential: type, challenge, origin, rpIdHash, UP. They run
 * first, so that what they answer cannot tell whether a credential id exists. UV is judged
 * after the signature (see {@link judgeSignedAssertion}).
 */
export function precheckAssertion(
  response: AuthenticationResponseJSON,
  expected: Expected,
): Prechecked {
  return precheck(
    response.response.clientDataJSON,
    parseAuthData(fromBase64Url(response.response.authenticatorData)),
    { ...expected, requireUserVerification: false },
  );
}

/** §7.2 steps 20–21 through SimpleWebAuthn: the stored public key verifies the signature. */
export async function verifySignature(
  response: AuthenticationResponseJSON,
  expected: Expected,
  prechecked: Prechecked,
  credential: StoredCredential,
): Promise<SignedAssertion> {
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: prechecked.origin,
      expectedRPID: expected.rpId,
      expectedType: 'webauthn.get',
      // UV and the counter are judged by us once the signature is known to be good
      requireUserVerification: false,
      credential: {
        id: credential.credentialId,
        publicKey: credential.publicKey as Uint8Array<ArrayBuffer>,
        counter: 0,
        transports: credential.transports as never,
      },
    });
  } catch (error) {
    throw new DomainError(
      ErrorCode.VERIFICATION_FAILED,
      `Assertion rejected: ${(error as Error).message}`,
    );
  }
  if (!verification.verified) {
    throw new DomainError(
      ErrorCode.SIGNATURE_INVALID,
      'The assertion signature does not verify with this passkey',
    );
  }
  const info = verification.authenticationInfo;
  return {
    newCounter: info.newCounter,
    userVerified: info.userVerified,
    backupEligible: prechecked.backupEligible,
    backedUp: info.credentialBackedUp,
  };
}

/**
 * The rules of a signed assertion (§7.2 steps 17–18, 22): UV where required, BE unchanged since
 * registration (BS may change; a BE not known, from an import, is taken from this first verified
 * assertion), and the counter policy. Their failures are the only ones that
 * prove the user's own authenticator was used (see lockout.ts).
 */
export function judgeSignedAssertion(
  signed: SignedAssertion,
  credential: Pick<StoredCredential, 'signCounter' | 'backupEligible'>,
  requireUserVerification: boolean,
  counterPolicy: CounterPolicyName,
): AssertionResult {
  if (requireUserVerification && !signed.userVerified) {
    throw new DomainError(
      ErrorCode.USER_VERIFICATION_REQUIRED,
      'The policy requires user verification (UV flag not set)',
    );
  }
  if (credential.backupEligible !== null && signed.backupEligible !== credential.backupEligible) {
    throw new DomainError(
      ErrorCode.BACKUP_ELIGIBILITY_CHANGED,
      `The backup eligibility flag changed since registration (BE was ${credential.backupEligible})`,
    );
  }
  const regression =
    (signed.newCounter > 0 || credential.signCounter > 0) &&
    signed.newCounter <= credential.signCounter;
  if (regression && counterPolicy === 'FAIL') {
    throw new DomainError(
      ErrorCode.COUNTER_REGRESSION,
      `Sign counter ${signed.newCounter} is not above the stored ${credential.signCounter}: possibly a cloned authenticator`,
    );
  }
  return {
    newCounter: Math.max(signed.newCounter, credential.signCounter),
    userVerified: signed.userVerified,
    backupEligible: signed.backupEligible,
    backedUp: signed.backedUp,
    counterRegression: regression,
  };
}
