import { randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '../../common/errors';

/** 32 random bytes, base64url: the challenge of a ceremony unless the policy allows the caller's. */
export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

/** 32 random bytes: the user handle of a user at a relying party. */
export function newUserHandle(): string {
  return randomBytes(32).toString('base64url');
}

/** An external challenge, allowed only where the policy says so. */
export function chooseChallenge(external: string | undefined, allowed: boolean): string {
  if (external === undefined) return newChallenge();
  if (!allowed) {
    throw new DomainError(
      ErrorCode.EXTERNAL_CHALLENGE_NOT_ALLOWED,
      'This policy does not accept an external challenge',
      {
        errors: [{ field: 'challenge', in: 'body', message: 'not allowed by the policy' }],
      },
    );
  }
  return external;
}
