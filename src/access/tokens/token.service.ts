import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  JWK,
  JWTPayload,
  jwtVerify,
  JWSHeaderParameters,
  KeyLike,
  SignJWT,
} from 'jose';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { TransactionHost } from '../../database/transaction-host';
import { KeyEncryption } from '../../signing/key-encryption';
import { NewSigningKey, SigningKeysRepository } from './signing-keys.repository';

const ISSUER = 'identity-store';
const ALGORITHM = 'ES256';

export interface IssuedToken {
  token: string;
  ttl: number;
}

export interface TokenClaims {
  /** The API key the token stands for. */
  sub: string;
  tid: string | null;
  /** The key's secret fingerprint when the token was issued (absent in older tokens). */
  kfp?: string;
  iat: number;
  exp: number;
}

/**
 * API bearer tokens: ES256 JWTs (jose) signed with a server key kept in the database, its private
 * half sealed under the KEK, so every instance signs and verifies alike. Public keys are cached
 * per kid (they never change); an unknown kid reloads.
 */
@Injectable()
export class TokenService implements OnApplicationBootstrap {
  private current?: { kid: string; key: KeyLike };
  private readonly publicKeys = new Map<string, { key: KeyLike; expiresAt: number }>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly host: TransactionHost,
    private readonly sealer: KeyEncryption,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureSigningKey();
  }

  /**
   * The first instance to start generates the key (and seals any key an older version stored in
   * clear); the others wait on the lock and read it.
   */
  private async ensureSigningKey(): Promise<void> {
    const row = await this.host.run(async () => {
      await this.keys.lockKeyGeneration();
      // a key an older version stored in clear is sealed and retired: its tokens verify for one
      // more token lifetime, and a new key signs from now on
      const expiresAt = new Date(Date.now() + (this.config.tokenTtlSeconds + 60) * 1000);
      for (const legacy of await this.keys.unsealed()) {
        const jwk = await exportJWK(legacy.privateKey);
        await this.keys.sealAndRetire(
          legacy.kid,
          await this.sealer.seal(jwk, binding(legacy.kid)),
          expiresAt,
        );
      }
      const existing = await this.keys.newest();
      if (existing) return existing;
      const created = await this.newSigningKey();
      await this.keys.insert(created);
      return created;
    });
    const jwk = await this.sealer.open(row.privateKeySealed, binding(row.kid));
    this.current = { kid: row.kid, key: (await importJWK(jwk, ALGORITHM)) as KeyLike };
  }

  async issue(
    keyId: string,
    tenantId: string | null,
    secretFingerprint: string,
  ): Promise<IssuedToken> {
    if (!this.current) throw new Error('signing key not loaded');
    const ttl = this.config.tokenTtlSeconds;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ tid: tenantId, kfp: secretFingerprint })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: this.current.kid })
      .setIssuer(ISSUER)
      .setSubject(keyId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(this.current.key);
    return { token, ttl };
  }

  /** The claims of a valid, unexpired token of ours; undefined for anything else. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    if (token.length > 4096) return undefined;
    try {
      // only ES256 with a known kid: no `none`, no HMAC confusion
      const { payload } = await jwtVerify(token, (header) => this.publicKey(header), {
        issuer: ISSUER,
        algorithms: [ALGORITHM],
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: 0,
      });
      return claimsOf(payload);
    } catch {
      return undefined;
    }
  }

  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    const rows = await this.keys.all();
    return { keys: rows.map((row) => row.publicJwk) };
  }

  private async publicKey(header: JWSHeaderParameters): Promise<KeyLike> {
    const kid = header.kid;
    if (typeof kid !== 'string' || kid.length > 64) throw new Error('no such key');
    const cached = this.publicKeys.get(kid);
    if (cached && cached.expiresAt > Date.now()) return cached.key;
    if (cached) throw new Error('retired key');
    const row = await this.keys.byKid(kid);
    if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) {
      throw new Error('no such key');
    }
    const key = (await importJWK(row.publicJwk as unknown as JWK, ALGORITHM)) as KeyLike;
    this.publicKeys.set(kid, { key, expiresAt: row.expiresAt?.getTime() ?? Infinity });
    return key;
  }

  private async newSigningKey(): Promise<NewSigningKey & { privateKeySealed: string }> {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const kid = randomBytes(12).toString('base64url');
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return {
      kid,
      algorithm: ALGORITHM,
      privateKeySealed: await this.sealer.seal(await exportJWK(privateKey), binding(kid)),
      publicJwk: { kty, crv, x, y, kid, alg: ALGORITHM, use: 'sig' } as Record<string, string>,
    };
  }
}

function binding(kid: string): string {
  return `signing_keys/${kid}`;
}

function claimsOf(payload: JWTPayload): TokenClaims | undefined {
  const { sub, tid, kfp, iat, exp } = payload as JWTPayload & { tid?: unknown; kfp?: unknown };
  if (typeof sub !== 'string' || typeof iat !== 'number' || typeof exp !== 'number')
    return undefined;
  if (tid !== null && typeof tid !== 'string') return undefined;
  if (kfp !== undefined && typeof kfp !== 'string') return undefined;
  return { sub, tid, ...(kfp !== undefined ? { kfp } : {}), iat, exp };
}
