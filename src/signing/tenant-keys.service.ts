import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, KeyLike } from 'jose';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { DomainError, ErrorCode } from '../common/errors';
import { loggableMessage } from '../common/logging/error-serializer';
import { APP_CONFIG, AppConfig, minSigningKeyOverlapSeconds } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { KeyEncryption } from './key-encryption';
import { TenantSigningKeysRepository } from './tenant-signing-keys.repository';

export const ALGORITHM = 'ES256';

/**
 * How long an instance keeps signing with the key it loaded (ms). A rotation on another instance
 * reaches this one within this time; the retired key stays published far longer (see
 * MIN_SIGNING_KEY_OVERLAP_SECONDS), so what it signed meanwhile still verifies.
 */
export const CURRENT_KEY_CACHE_MS = 60_000;

export interface SigningKey {
  kid: string;
  key: KeyLike;
}

export interface RotatedKeys {
  kid: string;
  retiredKid: string | null;
  retiredKeyExpiresAt: string | null;
}

export interface SigningKeyInfo {
  kid: string;
  algorithm: string;
  status: 'CURRENT' | 'RETIRED';
  createdAt: string;
  retiredAt: string | null;
  /** Until when verifiers find it in the JWKS (null: current, no end). */
  expiresAt: string | null;
}

/**
 * Each tenant's ES256 signing keys: created on first use, rotated by API, private halves sealed
 * under the KEK in PostgreSQL (every instance signs and publishes alike), public halves in the
 * tenant's JWKS.
 */
@Injectable()
export class TenantKeysService {
  private readonly current = new Map<string, SigningKey & { until: number }>();
  private readonly loading = new Map<string, Promise<SigningKey>>();
  /** Public halves taken from opened sealed keys, by tenant, kid and sealed text. */
  private readonly publicKeys = new Map<string, Record<string, string>>();
  private readonly logger = new Logger('SigningKeys');

  constructor(
    private readonly repository: TenantSigningKeysRepository,
    private readonly host: TransactionHost,
    private readonly sealer: KeyEncryption,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The tenant's current signing key, created on first use. */
  signingKey(tenantId: string): Promise<SigningKey> {
    const cached = this.current.get(tenantId);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached);
    let pending = this.loading.get(tenantId);
    if (!pending) {
      // apart from the caller's transaction (a step-up completion's): the key is cached and
      // shared with other requests at once, so it must be committed whatever that transaction does
      pending = this.host
        .apart(() => this.load(tenantId))
        .finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    return pending;
  }

  private async load(tenantId: string): Promise<SigningKey> {
    let row = await this.repository.current(tenantId);
    if (!row) {
      const fresh = await this.newKey(tenantId);
      // under the tenant's key lock, like a rotation: the two never race to be current
      await this.host.run(async () => {
        await this.repository.lockTenantKeys(tenantId);
        await this.repository.insertIfNoCurrent(fresh);
      });
      row = await this.repository.current(tenantId);
      if (!row) throw new DomainError(ErrorCode.TENANT_NOT_FOUND, 'The tenant does not exist');
    }
    const jwk = await this.sealer.open(row.privateKeySealed, binding(tenantId, row.kid));
    const key = { kid: row.kid, key: (await importJWK(jwk, ALGORITHM)) as KeyLike };
    this.current.set(tenantId, { ...key, until: Date.now() + CURRENT_KEY_CACHE_MS });
    return key;
  }

  /**
   * A new key signs from now on; the current one is retired and stays published for
   * `overlapSeconds` (tokens it signed keep verifying), then is forgotten.
   */
  async rotate(ctx: RequestContext, overlapSeconds?: number): Promise<RotatedKeys> {
    const overlap = overlapSeconds ?? this.config.signingKeyOverlapSeconds;
    const least = minSigningKeyOverlapSeconds(this.config);
    if (overlap !== 0 && overlap < least) {
      throw DomainError.invalidField(
        'overlapSeconds',
        `must be 0 (withdraw the key at once) or at least ${least}`,
      );
    }
    const fresh = await this.newKey(ctx.tenantId);
    const retired = await this.host.run(async () => {
      await this.repository.lockTenantKeys(ctx.tenantId);
      await this.repository.deleteExpired(ctx.tenantId);
      const old = await this.repository.retireCurrent(ctx.tenantId, overlap);
      // withdrawing (a leak): every key still published goes, not only the current one (review)
      const withdrawn = overlap === 0 ? await this.repository.withdrawRetired(ctx.tenantId) : [];
      await this.repository.insert(fresh);
      await this.audit.record(ctx, {
        type: AuditEventType.SIGNING_KEY_ROTATED,
        details: {
          kid: fresh.kid,
          retiredKid: old?.kid ?? null,
          overlapSeconds: overlap,
          ...(withdrawn.length > 0 ? { withdrawnKids: withdrawn } : {}),
        },
      });
      return old;
    });
    this.current.delete(ctx.tenantId);
    return {
      kid: fresh.kid,
      retiredKid: retired?.kid ?? null,
      retiredKeyExpiresAt: retired?.expiresAt.toISOString() ?? null,
    };
  }

  async list(ctx: RequestContext): Promise<SigningKeyInfo[]> {
    const rows = await this.repository.list(ctx.tenantId);
    return rows.map((row) => ({
      kid: row.kid,
      algorithm: row.algorithm,
      status: row.retiredAt ? 'RETIRED' : 'CURRENT',
      createdAt: row.createdAt.toISOString(),
      retiredAt: row.retiredAt?.toISOString() ?? null,
      expiresAt: row.expiresAt?.toISOString() ?? null,
    }));
  }

  /** The tenant's JWKS: the keys its tokens verify against (404 for no such tenant). */
  async jwks(tenantId: string): Promise<{ keys: Record<string, string>[] }> {
    const rows = await this.repository.published(tenantId);
    if (rows.length === 0 && !(await this.repository.tenantExists(tenantId))) {
      throw new DomainError(ErrorCode.TENANT_NOT_FOUND, 'No such tenant');
    }
    const keys: Record<string, string>[] = [];
    for (const row of rows) {
      const jwk = await this.publicKeyOf(tenantId, row);
      if (jwk) keys.push(jwk);
    }
    return { keys };
  }

  /**
   * A published key's public half, taken from its sealed private half (opened with the KEK and
   * bound to its tenant and kid), not from the stored public column: a database writer without
   * the KEK could otherwise publish a key of their own and sign result tokens that verify
   * (review). A row that does not open is left out, and logged.
   */
  private async publicKeyOf(
    tenantId: string,
    row: { kid: string; privateKeySealed: string },
  ): Promise<Record<string, string> | undefined> {
    const id = `${tenantId}/${row.kid}/${createHash('sha256').update(row.privateKeySealed).digest('base64url')}`;
    const known = this.publicKeys.get(id);
    if (known) return known;
    try {
      const { kty, crv, x, y } = await this.sealer.open(
        row.privateKeySealed,
        binding(tenantId, row.kid),
      );
      const jwk = { kty, crv, x, y, kid: row.kid, alg: ALGORITHM, use: 'sig' } as Record<
        string,
        string
      >;
      if (this.publicKeys.size >= 10_000) this.publicKeys.clear();
      this.publicKeys.set(id, jwk);
      return jwk;
    } catch (error) {
      this.logger.error(
        `signing key ${row.kid} of tenant ${tenantId} does not open: left out of its JWKS (${loggableMessage(error)})`,
      );
      return undefined;
    }
  }

  private async newKey(tenantId: string) {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const kid = randomBytes(16).toString('base64url');
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return {
      tenantId,
      kid,
      algorithm: ALGORITHM,
      privateKeySealed: await this.sealer.seal(await exportJWK(privateKey), binding(tenantId, kid)),
      publicJwk: { kty, crv, x, y, kid, alg: ALGORITHM, use: 'sig' } as Record<string, string>,
    };
  }
}

/** What a sealed key is bound to: its row. */
function binding(tenantId: string, kid: string): string {
  return `tenant_signing_keys/${tenantId}/${kid}`;
}
