import { DomainError, ErrorCode } from '../../common/errors';

export interface AssertionIds {
  id: string;
  rawId: string;
  response: { userHandle?: string };
}

interface Owned {
  userId: string;
}

/**
 * §7.2 steps 5 and 6, which SimpleWebAuthn leaves to us: was the credential offered, and whose is
 * it? For a user identified before the ceremony, the credential must be one the options listed
 * (`allowed`: a passkey registered or reactivated since the start was not offered), it must be
 * theirs, and a userHandle, when present, must be theirs too; username-less, the userHandle must
 * be present and be the owner's handle at this relying party. `handle` is the handle of the
 * session's user (or, username-less, the owner).
 */
export function assertCredentialOfUser<P extends Owned, U extends { id: string }>(
  sessionUserId: string | null,
  response: AssertionIds,
  passkey: P | null,
  user: U | undefined,
  handle: string | null,
  allowed?: readonly string[],
): [P, U] {
  if (response.rawId !== response.id) {
    throw new DomainError(ErrorCode.VERIFICATION_FAILED, 'rawId and id differ');
  }
  if (allowed && !allowed.includes(response.id)) {
    throw new DomainError(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
      'This credential was not among those the ceremony offered (allowCredentials)',
    );
  }
  if (!passkey || !user || passkey.userId !== user.id) {
    throw new DomainError(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
      'This credential is not a passkey of the user at this relying party',
    );
  }
  const userHandle = response.response.userHandle;
  const handleRequired = sessionUserId === null;
  if ((handleRequired || userHandle) && (!handle || userHandle !== handle)) {
    throw new DomainError(
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
      'The user handle does not belong to the user of the credential',
    );
  }
  return [passkey, user];
}

/**
 * Username-less, whatever fails before the signature is known to be good (an unknown
 * credential id, a foreign user handle, a bad signature, unparsable signature bytes) answers
 * alike, so that the finish is no oracle for which credential ids exist.
 */
export function unprovenUsernamelessAssertion(): DomainError {
  return new DomainError(
    ErrorCode.CREDENTIAL_NOT_ALLOWED,
    'The assertion was not made with a passkey of this relying party',
  );
}
