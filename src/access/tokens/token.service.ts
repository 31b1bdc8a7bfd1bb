import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { TransactionHost } from '../../database/transaction-host';
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
  iat: number;
  exp: number;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * ES256 JWTs signed with a server key kept in the database, so every instance signs and
 * verifies alike. Public keys are cached per kid (they never change); an unknown kid reloads.
 */
@Injectable()
export class TokenService implements OnApplicationBootstrap {
  private current?: { kid: string; key: KeyObject };
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly host: TransactionHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureSigningKey();
  }

  /** The first instance to start generates the key; the others wait on the lock and read it. */
  private async ensureSigningKey(): Promise<void> {
    const row = await this.host.run(async () => {
      await this.keys.lockKeyGeneration();
      const existing = await this.keys.newest();
      if (existing) return existing;
      const created = newSigningKey();
      await this.keys.insert(created);
      return created;
    });
    this.current = { kid: row.kid, key: createPrivateKey(row.privateKey) };
  }

  issue(keyId: string, tenantId: string | null): IssuedToken {
    if (!this.current) throw new Error('signing key not loaded');
    const now = Math.floor(Date.now() / 1000);
    const ttl = this.config.tokenTtlSeconds;
    const header = b64({ alg: ALGORITHM, typ: 'JWT', kid: this.current.kid });
    const claims = b64({
      iss: ISSUER,
      sub: keyId,
      tid: tenantId,
      iat: now,
      exp: now + ttl,
      jti: randomUUID(),
    });
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
      key: this.current.key,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    return { token: `${header}.${claims}.${signature}`, ttl };
  }

  /** The claims of a valid, unexpired token of ours; undefined for anything else. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 4096) return undefined;
    const [header, claims, signature] = parts;
    const head = parseJson(header);
    // Only ES256 with a known kid: no `none`, no HMAC confusion.
    if (!head || head.alg !== ALGORITHM || typeof head.kid !== 'string') return undefined;
    const key = await this.publicKey(head.kid);
    if (!key) return undefined;
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return undefined;
    const body = parseJson(claims);
    const now = Math.floor(Date.now() / 1000);
    if (!body || body.iss !== ISSUER || typeof body.sub !== 'string') return undefined;
    if (typeof body.exp !== 'number' || body.exp <= now) return undefined;
    return body as unknown as TokenClaims;
  }

  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    const rows = await this.keys.all();
    return { keys: rows.map((row) => row.publicJwk) };
  }

  private async publicKey(kid: string): Promise<KeyObject | undefined> {
    const cached = this.publicKeys.get(kid);
    if (cached) return cached;
    if (kid.length > 64) return undefined;
    const row = await this.keys.byKid(kid);
    if (!row) return undefined;
    const key = createPublicKey({ key: row.publicJwk, format: 'jwk' });
    this.publicKeys.set(kid, key);
    return key;
  }
}

function newSigningKey(): NewSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(12).toString('base64url');
  return {
    kid,
    algorithm: ALGORITHM,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: {
      ...(publicKey.export({ format: 'jwk' }) as Record<string, string>),
      kid,
      alg: ALGORITHM,
      use: 'sig',
    },
  };
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
