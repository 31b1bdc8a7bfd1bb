import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { DomainError, ErrorCode } from '../../common/errors';
import { Expected, fromBase64Url, precheck } from './prechecks';

export type CounterPolicyName = 'IGNORE' | 'FLAG' | 'FAIL';

export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array;
  signCounter: number;
  transports: string[];
}

export interface AssertionResult {
  newCounter: number;
  userVerified: boolean;
  backedUp: boolean;
  /** The counter did not grow although one of the two is non-zero (a possible clone). */
  counterRegression: boolean;
}

/** WebAuthn §7.2 for one assertion against one stored credential. No I/O. */
export async function verifyAssertion(
  response: AuthenticationResponseJSON,
  expected: Expected,
  credential: StoredCredential,
  counterPolicy: CounterPolicyName,
): Promise<AssertionResult> {
  const { origin } = precheck(
    response.response.clientDataJSON,
    fromBase64Url(response.response.authenticatorData),
    expected,
  );
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: origin,
      expectedRPID: expected.rpId,
      expectedType: 'webauthn.get',
      requireUserVerification: expected.requireUserVerification,
      // The counter policy is ours (ignore / flag / fail), so SimpleWebAuthn gets no counter.
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
  const regression =
    (info.newCounter > 0 || credential.signCounter > 0) &&
    info.newCounter <= credential.signCounter;
  if (regression && counterPolicy === 'FAIL') {
    throw new DomainError(
      ErrorCode.COUNTER_REGRESSION,
      `Sign counter ${info.newCounter} is not above the stored ${credential.signCounter}: possibly a cloned authenticator`,
    );
  }
  return {
    newCounter: Math.max(info.newCounter, credential.signCounter),
    userVerified: info.userVerified,
    backedUp: info.credentialBackedUp,
    counterRegression: regression,
  };
}
