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
 * The challenge a completion expects: the stored one, or (with transaction data) its random part
 * followed by the hash of the data as stored now, so data altered since the start is refused.
 */
export function expectedChallenge(stored: string, dataHash: Buffer | null): string {
  if (!dataHash) return stored;
  const random = Buffer.from(stored, 'base64url').subarray(0, 32);
  return Buffer.concat([random, dataHash]).toString('base64url');
}
