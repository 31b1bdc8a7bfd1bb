import { createHash } from 'node:crypto';
import { compactDecrypt, CompactEncrypt, JWK } from 'jose';

/** Why a sealed key could not be opened (a wrong IDS_KEK, a row moved or altered). */
export class SealedKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedKeyError';
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Seals private signing keys (JWKs) under the key-encryption key, as a compact JWE (`dir`,
 * A256GCM: jose, not home-made crypto). The protected header, authenticated by GCM, names the
 * KEK (a fingerprint, so a wrong IDS_KEK is told apart from a damaged row) and the row the key
 * belongs to (`binding`, e.g. tenant and kid), so a sealed key copied into another row does not
 * open there.
 */
export class KeyEncryption {
  /** A fingerprint of the KEK: not secret (SHA-256 of 32 random bytes), names it in headers. */
  readonly kekId: string;

  constructor(private readonly kek: Uint8Array) {
    if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
    this.kekId = createHash('sha256').update(kek).digest('base64url').slice(0, 16);
  }

  seal(privateJwk: JWK, binding: string): Promise<string> {
    return new CompactEncrypt(encoder.encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: this.kekId, bnd: binding })
      .encrypt(this.kek);
  }

  async open(sealed: string, binding: string): Promise<JWK> {
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(sealed.split('.')[0], 'base64url').toString('utf8'));
    } catch {
      throw new SealedKeyError('a sealed signing key is not a JWE');
    }
    if (header.kid !== this.kekId) {
      throw new SealedKeyError(
        `a signing key is sealed under another key-encryption key (${String(header.kid)}, ` +
          `IDS_KEK is ${this.kekId}): start with the IDS_KEK that sealed it`,
      );
    }
    if (header.bnd !== binding) {
      throw new SealedKeyError(`a sealed signing key belongs to another row (${binding})`);
    }
    try {
      const { plaintext } = await compactDecrypt(sealed, this.kek, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return JSON.parse(decoder.decode(plaintext)) as JWK;
    } catch {
      throw new SealedKeyError(`a sealed signing key does not open (${binding}): altered?`);
    }
  }
}
