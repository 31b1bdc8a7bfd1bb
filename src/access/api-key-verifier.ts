import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeyEntity, ApiKeyStatus } from '../api-keys/api-key.entity';
import { DomainError, ErrorCode } from '../common/errors';
import { AccessRepository, KeyRow } from './access.repository';
import {
  fingerprintMatches,
  hashSecret,
  parseApiKey,
  secretFingerprint,
  secretMatches,
} from '../auth/api-key-secret';
import { parsePermission, Permission } from '../auth/permissions';
import type { Principal } from '../auth/request-context';
import { TokenService } from './tokens/token.service';
import { loggableMessage } from '../common/logging/error-serializer';

/** lastUsedAt is written at most this often per key, so reads stay reads. */
const LAST_USED_GRANULARITY_MS = 60_000;

function unauthenticated(detail = 'Missing or invalid credentials'): DomainError {
  return new DomainError(ErrorCode.UNAUTHENTICATED, detail, {
    headers: { 'www-authenticate': 'Bearer, ApiKey header="X-Api-Key"' },
  });
}

/** Turns `X-Api-Key` or `Authorization: Bearer` into a Principal, or a 401. */
@Injectable()
export class ApiKeyVerifier {
  private readonly logger = new Logger(ApiKeyVerifier.name);

  constructor(
    private readonly repository: AccessRepository,
    private readonly tokens: TokenService,
  ) {}

  /**
   * `bearerApiKey`: a bearer that is not a JWT (no dots) is taken as an API key (the
   * `@BearerApiKey()` routes); a JWT is still a token.
   */
  async verify(
    request: FastifyRequest,
    apiKeyOnly = false,
    bearerApiKey = false,
  ): Promise<Principal> {
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers.authorization;
    if (typeof apiKey === 'string' && authorization) {
      throw unauthenticated('Send either X-Api-Key or Authorization, not both');
    }
    if (typeof apiKey === 'string' && apiKey.length > 0) return this.byApiKey(apiKey);
    if (authorization) {
      if (apiKeyOnly) throw unauthenticated('This operation takes an X-Api-Key, not a token');
      const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization);
      if (!match) throw unauthenticated('Authorization must be "Bearer <token>"');
      if (bearerApiKey && !match[1].includes('.')) return this.byApiKey(match[1]);
      return this.byToken(match[1]);
    }
    throw unauthenticated();
  }

  /**
   * The parts of a presented `X-Api-Key` whose lookup a ceremony's first statement may do
   * (`@KeyCheckedByFirstRead()`): only a key of our format sent alone; anything else (a bearer
   * token, a platform key of free format, both headers) is verified the usual way.
   */
  deferrable(
    request: FastifyRequest,
  ): { id: string; presented: string; secretHash: Buffer } | undefined {
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey !== 'string' || request.headers.authorization || apiKey.length > 512) {
      return undefined;
    }
    const parsed = parseApiKey(apiKey);
    return parsed
      ? { id: parsed.id, presented: apiKey, secretHash: hashSecret(parsed.secret) }
      : undefined;
  }

  /**
   * The principal of a presented key whose row a ceremony's statement read (null: no key has
   * that id; undefined: not read, look it up).
   */
  fromRow(presented: string, row: KeyRow | null | undefined): Promise<Principal> {
    return this.byApiKey(presented, row);
  }

  private async byApiKey(presented: string, read?: KeyRow | null): Promise<Principal> {
    if (presented.length > 512) throw unauthenticated();
    const parsed = parseApiKey(presented);
    if (parsed) {
      const row = read !== undefined ? read : await this.repository.key(parsed.id);
      if (row && secretMatches(parsed.secret, row.secretHash)) return this.principal(row, 'apiKey');
    }
    // A platform key configured through IDS_PLATFORM_API_KEY has a free format.
    const platform = await this.platformKeyMatching(presented);
    if (platform) return this.principal(platform, 'apiKey');
    throw unauthenticated();
  }

  private async byToken(token: string): Promise<Principal> {
    const claims = await this.tokens.verify(token);
    if (!claims) throw unauthenticated('The token is invalid or expired');
    const row = await this.repository.key(claims.sub);
    // The key behind the token is re-checked on every call: blocking it ends its tokens too, and
    // so does replacing its secret (a token issued before this version carries no fingerprint:
    // honoured until it expires, within IDS_TOKEN_TTL_SECONDS)
    if (!row) throw unauthenticated('The token is invalid or expired');
    if (
      claims.kfp !== undefined &&
      !fingerprintMatches(claims.kfp, secretFingerprint(row.secretHash))
    )
      throw unauthenticated('The token is invalid or expired');
    return this.principal(row, 'bearer');
  }

  /** Compares against every platform key in constant time (there are one or two). */
  private async platformKeyMatching(presented: string): Promise<KeyRow | undefined> {
    const candidates = await this.repository.platformKeys();
    let found: ApiKeyEntity | undefined;
    // every candidate is compared (no early exit): the time does not depend on which matched
    for (const candidate of candidates) {
      if (secretMatches(presented, candidate.secretHash)) found = candidate;
    }
    return found ? Object.assign(found, { tenantStatus: null }) : undefined;
  }

  private principal(row: KeyRow, via: Principal['via']): Principal {
    if (row.status !== ApiKeyStatus.ACTIVE) throw unauthenticated('The API key is not active');
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) {
      throw unauthenticated('The API key has expired');
    }
    this.touch(row);
    return {
      keyId: row.id,
      tenantId: row.tenantId,
      isPlatform: row.isPlatform,
      permissions: row.permissions
        .map(parsePermission)
        .filter((p): p is Permission => p !== undefined),
      via,
      secretFingerprint: secretFingerprint(row.secretHash),
      expiresAt: row.expiresAt,
      tenantStatus: row.tenantStatus,
      rateLimits: row.rateLimits,
    };
  }

  private touch(row: ApiKeyEntity): void {
    if (row.lastUsedAt && Date.now() - row.lastUsedAt.getTime() < LAST_USED_GRANULARITY_MS) return;
    this.repository
      .touchKey(row.id)
      .catch((error: unknown) =>
        this.logger.warn(`could not record lastUsedAt: ${loggableMessage(error)}`),
      );
  }
}
