import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { registerDecorator } from 'class-validator';

/** The most transaction data a step-up may carry: its canonical JSON, in UTF-8 bytes. */
export const MAX_TRANSACTION_DATA_BYTES = 4096;
const MAX_DEPTH = 8;

/**
 * The canonical serialization of transaction data (RFC 8785, JSON Canonicalization Scheme, by the
 * `canonicalize` library): what is stored, hashed into the challenge and returned. Undefined for
 * anything that is not a JSON object within the limits.
 */
export function canonicalTransactionData(data: unknown): string | undefined {
  if (!isPlainObject(data) || depth(data) > MAX_DEPTH || !exactNumbers(data)) return undefined;
  let canonical: string | undefined;
  try {
    canonical = canonicalize(data);
  } catch {
    return undefined; // a number JSON cannot carry (1e400 parses to Infinity)
  }
  if (canonical === undefined || Buffer.byteLength(canonical, 'utf8') > MAX_TRANSACTION_DATA_BYTES)
    return undefined;
  return canonical;
}

/** SHA-256 of the canonical serialization: the challenge's suffix, the result token's claim. */
export function transactionDataHash(canonical: string): Buffer {
  return createHash('sha256').update(canonical, 'utf8').digest();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Numbers a double holds exactly, or ones with a fraction: an integer beyond 2^53 (an id, an
 * amount in cents) was already rounded by JSON.parse, and the user would sign another value
 * than the one sent. Amounts belong in strings ("100.00").
 */
function exactNumbers(value: unknown): boolean {
  if (typeof value === 'number')
    return Number.isInteger(value) ? Number.isSafeInteger(value) : true;
  if (typeof value !== 'object' || value === null) return true;
  return Object.values(value).every(exactNumbers);
}

function depth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const item of Object.values(value)) {
    deepest = Math.max(deepest, depth(item));
    if (deepest > MAX_DEPTH) break;
  }
  return 1 + deepest;
}

/** A JSON object the user approves: at most 4 KB canonical, nested at most 8 deep. */
export function IsTransactionData(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTransactionData',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `transactionData must be a JSON object of at most ${MAX_TRANSACTION_DATA_BYTES} bytes (canonical JSON), nested at most ${MAX_DEPTH} deep`,
      },
      validator: { validate: (value: unknown) => canonicalTransactionData(value) !== undefined },
    });
}
