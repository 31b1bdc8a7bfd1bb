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

/**
 * A challenge that commits to transaction data: 32 random bytes, then the data's SHA-256 (as in
 * Hanko's transaction design). The signed clientDataJSON then proves that data and no other.
 */
export function boundChallenge(dataHash: Buffer): string {
  return Buffer.concat([randomBytes(32), dataHash]).toString('base64url');
}

/**
 * The challenge a completion expects. Outside a step-up (`undefined`): the stored one. For a
 * step-up, re-derived from what is stored now: its 32 random bytes, then the hash of the
 * transaction's data (nothing when it has none), so data altered, added or removed since the
 * start is refused.
 */
export function expectedChallenge(stored: string, dataHash: Buffer | null | undefined): string {
  if (dataHash === undefined) return stored;
  const random = Buffer.from(stored, 'base64url').subarray(0, 32);
  return (dataHash ? Buffer.concat([random, dataHash]) : random).toString('base64url');
}
