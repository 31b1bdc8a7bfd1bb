import { createHash, KeyObject, verify as verifySignature, webcrypto } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isArrayBuffer } from 'node:util/types';

/**
 * SimpleWebAuthn verifies through WebCrypto (`globalThis.crypto.subtle`). In Node every
 * `subtle.digest`, `subtle.sign` and `subtle.verify` is a job on libuv's thread pool: a sleeping
 * worker is woken, runs the hash, and wakes the event loop again. Under load, with the workers
 * asleep between jobs, each job costs ~40 µs of CPU in thread wake-ups and context switches for
 * ~2 µs of hashing (measured in docs/design.md), and a ceremony makes three or four of them.
 *
 * This is the same WebCrypto with two of its operations run synchronously by Node's own crypto,
 * which calls the same OpenSSL code (`SignJob` in its synchronous mode; `Hash`, whose digest is
 * the same OpenSSL call as WebCrypto's `HashJob`):
 * - `digest` for SHA-1/256/384/512;
 * - `verify` for ECDSA with a public key usable for verification, and the signature in
 *   WebCrypto's encoding (IEEE P1363: r ‖ s).
 * and `importKey` keeps the EC public keys it imported from a JWK (see {@link importKey}).
 * Everything else, and any call outside those cases (a private key, a key without the `verify`
 * usage, another algorithm, an unknown hash), goes to Node's WebCrypto itself, so its errors are
 * WebCrypto's. `sync-webcrypto.spec.ts` compares both on valid, mutated and malformed input.
 */
const subtle = webcrypto.subtle;

const HASHES: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

type Algorithm = string | { name: string; hash?: string | { name: string } };

/** Node's hash name for a WebCrypto hash identifier; undefined when it is not one of ours. */
function hashName(hash: unknown): string | undefined {
  const name = typeof hash === 'string' ? hash : (hash as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? HASHES[name.toUpperCase()] : undefined;
}

/**
 * The bytes of a BufferSource, without copying; undefined for anything else, including what
 * WebCrypto treats its own way (a SharedArrayBuffer, which it refuses; a detached buffer, which
 * it reads as empty), so that those calls go to WebCrypto.
 */
function bytesOf(data: unknown): Uint8Array | undefined {
  try {
    // isArrayBuffer: of any realm (a vm context's too), and not a SharedArrayBuffer
    if (ArrayBuffer.isView(data) && isArrayBuffer(data.buffer))
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (isArrayBuffer(data)) return new Uint8Array(data);
  } catch {
    // a detached buffer
  }
  return undefined;
}

async function digest(algorithm: Algorithm, data: unknown): Promise<ArrayBuffer> {
  const hash = hashName(algorithm);
  const bytes = bytesOf(data);
  if (!hash || !bytes) return subtle.digest(algorithm as string, data as Uint8Array);
  const out = createHash(hash).update(bytes).digest();
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
}

/** The Node key of a public ECDSA CryptoKey usable for verification; undefined otherwise. */
function ecdsaVerifyKey(key: webcrypto.CryptoKey): KeyObject | undefined {
  if (key?.type !== 'public' || key.algorithm?.name !== 'ECDSA') return undefined;
  if (!Array.isArray(key.usages) || !key.usages.includes('verify')) return undefined;
  try {
    return KeyObject.from(key); // throws for anything but a real CryptoKey
  } catch {
    return undefined;
  }
}

async function verify(
  algorithm: Algorithm,
  key: webcrypto.CryptoKey,
  signature: unknown,
  data: unknown,
): Promise<boolean> {
  const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
  const hash = typeof algorithm === 'object' ? hashName(algorithm?.hash) : undefined;
  const sig = bytesOf(signature);
  const bytes = bytesOf(data);
  const keyObject = ecdsaVerifyKey(key);
  if (name?.toUpperCase?.() === 'ECDSA' && hash && sig && bytes && keyObject)
    return verifySignature(hash, bytes, { key: keyObject, dsaEncoding: 'ieee-p1363' }, sig);
  return subtle.verify(
    algorithm as webcrypto.EcdsaParams,
    key,
    signature as Uint8Array,
    data as Uint8Array,
  );
}

/** How many imported EC public keys are kept (~7 KB of memory each). */
export const IMPORTED_KEYS_KEPT = 1024;
const imported = new Map<string, webcrypto.CryptoKey>();

/** base64url length of each coordinate of a curve's public key, without extra octets. */
const COORDINATE_CHARS: Record<string, number> = { 'P-256': 43, 'P-384': 64, 'P-521': 88 };

/**
 * The members of a plain object, each read once; undefined when it has any other member than
 * `allowed`, a getter, or a prototype other than Object's (what WebCrypto would read could then
 * differ from what is read here).
 */
function plainMembers(value: unknown, allowed: string[]): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (![Object.prototype, null].includes(Object.getPrototypeOf(value))) return undefined;
  const members: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    const member = Object.getOwnPropertyDescriptor(value, key)!;
    if (typeof key !== 'string' || !allowed.includes(key) || !('value' in member)) return undefined;
    members[key] = member.value;
  }
  return members;
}

/**
 * What identifies an import of an EC public key from a JWK as SimpleWebAuthn makes it (its
 * `verifyEC2` imports the credential's key on every verification); undefined for any other
 * import, which is not kept. The coordinates must have their curve's exact length: extra zero
 * octets (which WebCrypto accepts) would make many ids, and entries, of one key.
 */
function importId(
  format: unknown,
  keyData: unknown,
  algorithm: unknown,
  extractable: unknown,
  usages: unknown,
): string | undefined {
  if (format !== 'jwk' || typeof extractable !== 'boolean' || !Array.isArray(usages))
    return undefined;
  const jwk = plainMembers(keyData, ['kty', 'crv', 'x', 'y', 'ext']);
  const alg = plainMembers(algorithm, ['name', 'namedCurve']);
  if (!jwk || !alg || jwk.kty !== 'EC' || alg.name !== 'ECDSA') return undefined;
  const chars = COORDINATE_CHARS[jwk.crv as string];
  if (!chars || alg.namedCurve !== jwk.crv) return undefined;
  for (const c of [jwk.x, jwk.y]) if (typeof c !== 'string' || c.length !== chars) return undefined;
  if (!['boolean', 'undefined'].includes(typeof jwk.ext)) return undefined;
  if (usages.some((u) => typeof u !== 'string')) return undefined;
  return JSON.stringify([jwk.crv, jwk.x, jwk.y, jwk.ext ?? null, extractable, usages]);
}

/**
 * `importKey`, keeping the last {@link IMPORTED_KEYS_KEPT} EC public keys imported from a JWK:
 * the same JWK, algorithm, extractability and usages give the same CryptoKey without importing
 * again (~65 µs). Only successful imports are kept, each made by WebCrypto itself; the key's
 * `algorithm` and `usages` (objects Node hands out as they are) are frozen, so that no caller
 * using the key's getters (SimpleWebAuthn among them) can change a key another request uses.
 */
async function importKey(
  format: never,
  keyData: never,
  algorithm: never,
  extractable: boolean,
  usages: never,
): Promise<webcrypto.CryptoKey> {
  const id = importId(format, keyData, algorithm, extractable, usages);
  const kept = id === undefined ? undefined : imported.get(id);
  if (kept) {
    imported.delete(id!);
    imported.set(id!, kept);
    return kept;
  }
  const key = await subtle.importKey(format, keyData, algorithm, extractable, usages);
  if (id !== undefined) {
    Object.freeze(key.algorithm);
    Object.freeze(key.usages);
    imported.set(id, key);
    if (imported.size > IMPORTED_KEYS_KEPT) imported.delete(imported.keys().next().value!);
  }
  return key;
}

/** Node's WebCrypto, with `digest` and ECDSA `verify` run synchronously (see above). */
export const syncSubtle: webcrypto.SubtleCrypto = Object.assign(
  Object.fromEntries(
    Object.getOwnPropertyNames(Object.getPrototypeOf(subtle))
      .filter((m) => m !== 'constructor' && typeof (subtle as never)[m] === 'function')
      .map((m) => [m, ((subtle as never)[m] as (...a: unknown[]) => unknown).bind(subtle)]),
  ) as unknown as webcrypto.SubtleCrypto,
  { digest, verify, importKey } as unknown as Partial<webcrypto.SubtleCrypto>,
);

/** What SimpleWebAuthn is given as "the Crypto API". */
export const syncWebCrypto = {
  subtle: syncSubtle,
  getRandomValues: <T extends ArrayBufferView | null>(array: T): T =>
    webcrypto.getRandomValues(array as never) as T,
  randomUUID: () => webcrypto.randomUUID(),
};

interface WebCryptoInternals {
  setCachedCrypto(crypto: unknown): void;
}

/**
 * SimpleWebAuthn caches the Crypto API it found on first use; its `_getWebCryptoInternals`
 * (meant for its own tests, in a file its package exports map does not list) sets that cache.
 * Loaded by path from the package's resolved entry, so it is the instance the package uses. If a
 * new version moves it, this throws at start, and `sync-webcrypto.spec.ts` fails.
 */
function simpleWebAuthnInternals(): WebCryptoInternals {
  const entry = require.resolve('@simplewebauthn/server');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(dirname(entry), 'helpers', 'iso', 'isoCrypto', 'getWebCrypto.js')) as {
    _getWebCryptoInternals?: Partial<WebCryptoInternals>;
  };
  const internals = mod._getWebCryptoInternals;
  if (typeof internals?.setCachedCrypto !== 'function')
    throw new Error('@simplewebauthn/server no longer lets its Crypto API be set');
  return internals as WebCryptoInternals;
}

simpleWebAuthnInternals().setCachedCrypto(syncWebCrypto);
