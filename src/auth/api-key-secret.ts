import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Every generated key starts with this, so leaked keys are easy to recognise and scan for. */
export const API_KEY_PREFIX = 'idsk';

export interface NewApiKey {
  id: string;
  /** The whole key, shown once: `idsk_{id without dashes}_{256 random bits, base64url}`. */
  key: string;
  hash: Buffer;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function generateApiKey(): NewApiKey {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return {
    id,
    key: `${API_KEY_PREFIX}_${id.replace(/-/g, '')}_${secret}`,
    hash: hashSecret(secret),
  };
}

/** Splits a presented key into its public id and its secret; undefined if not our format. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const match = /^idsk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(key);
  if (!match) return undefined;
  const hex = match[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: match[2] };
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/**
 * Which secret a bearer token was issued for: 16 bytes of a hash of the key's stored hash (a
 * token carries it, readable by its holder, so never the stored hash itself). A key whose secret
 * is replaced (the platform key, by IDS_PLATFORM_API_KEY) no longer honours its earlier tokens.
 */
export function secretFingerprint(storedHash: Buffer): string {
  return createHash('sha256')
    .update('token-fingerprint:')
    .update(storedHash)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Constant-time comparison of two fingerprints. */
export function fingerprintMatches(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The part of a key that is safe to show in lists: `idsk_1a2b3c4d…`. */
export function keyHint(id: string): string {
  return `${API_KEY_PREFIX}_${id.replace(/-/g, '').slice(0, 8)}…`;
}
