import { Injectable } from '@nestjs/common';
import { prepared, runPrepared } from '../database/prepared';
import { TransactionHost } from '../database/transaction-host';
import { TenantSigningKeyEntity } from './tenant-signing-key.entity';

export type NewTenantSigningKey = Pick<
  TenantSigningKeyEntity,
  'tenantId' | 'kid' | 'algorithm' | 'privateKeySealed' | 'publicJwk'
>;

export interface SealedCurrentKey {
  kid: string;
  privateKeySealed: string;
}

const CURRENT = prepared(
  'tenant_signing_key_current',
  `SELECT kid, private_key_sealed FROM tenant_signing_keys
    WHERE tenant_id = $1 AND retired_at IS NULL`,
);

const PUBLISHED = prepared(
  'tenant_signing_keys_published',
  `SELECT kid, private_key_sealed FROM tenant_signing_keys
    WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > now())
    ORDER BY created_at DESC`,
);

/** The SQL of tenants' signing keys. Tenant first, in every statement. */
@Injectable()
export class TenantSigningKeysRepository {
  constructor(private readonly host: TransactionHost) {}

  async current(tenantId: string): Promise<SealedCurrentKey | undefined> {
    const [row] = await runPrepared<{ kid: string; private_key_sealed: string }[]>(
      this.host.executor,
      CURRENT,
      [tenantId],
    );
    return row && { kid: row.kid, privateKeySealed: row.private_key_sealed };
  }

  /** Inserts the tenant's first key unless another instance just did (then nothing). */
  async insertIfNoCurrent(key: NewTenantSigningKey): Promise<void> {
    await this.host.manager.query(
      `INSERT INTO tenant_signing_keys (tenant_id, kid, algorithm, private_key_sealed, public_jwk)
       SELECT $1::varchar, $2::varchar, $3::varchar, $4::text, $5::jsonb
        WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1::varchar)
       ON CONFLICT (tenant_id) WHERE retired_at IS NULL DO NOTHING`,
      [key.tenantId, key.kid, key.algorithm, key.privateKeySealed, key.publicJwk],
    );
  }

  /** Serialises rotations of one tenant (until the transaction ends). */
  async lockTenantKeys(tenantId: string): Promise<void> {
    await this.host.manager.query(
      `SELECT pg_advisory_xact_lock(hashtext('tenant_signing_keys'), hashtext($1))`,
      [tenantId],
    );
  }

  /** Retires the current key: it signs no more and stays published for `overlapSeconds`. */
  async retireCurrent(
    tenantId: string,
    overlapSeconds: number,
  ): Promise<{ kid: string; expiresAt: Date } | undefined> {
    const [rows] = (await this.host.manager.query(
      `UPDATE tenant_signing_keys
          SET retired_at = now(), expires_at = now() + make_interval(secs => $2)
        WHERE tenant_id = $1 AND retired_at IS NULL
        RETURNING kid, expires_at`,
      [tenantId, overlapSeconds],
    )) as [{ kid: string; expires_at: Date }[], number];
    return rows[0] && { kid: rows[0].kid, expiresAt: rows[0].expires_at };
  }

  /** Forgets keys no longer published (their private halves with them). */
  async deleteExpired(tenantId: string): Promise<void> {
    await this.host.manager.query(
      'DELETE FROM tenant_signing_keys WHERE tenant_id = $1 AND expires_at <= now()',
      [tenantId],
    );
  }

  async insert(key: NewTenantSigningKey): Promise<void> {
    await this.host.manager.query(
      `INSERT INTO tenant_signing_keys (tenant_id, kid, algorithm, private_key_sealed, public_jwk)
       VALUES ($1, $2, $3, $4, $5)`,
      [key.tenantId, key.kid, key.algorithm, key.privateKeySealed, key.publicJwk],
    );
  }

  /** The public JWKs a verifier may use: current first, then rotated-out keys not yet expired. */
  /** The keys still published (current and within their overlap), newest first, sealed. */
  async published(tenantId: string): Promise<{ kid: string; privateKeySealed: string }[]> {
    const rows = await runPrepared<{ kid: string; private_key_sealed: string }[]>(
      this.host.executor,
      PUBLISHED,
      [tenantId],
    );
    return rows.map((row) => ({ kid: row.kid, privateKeySealed: row.private_key_sealed }));
  }

  /** Ends the overlap of every retired key still published: a withdrawal after a leak. */
  async withdrawRetired(tenantId: string): Promise<string[]> {
    const [rows] = (await this.host.manager.query(
      `UPDATE tenant_signing_keys SET expires_at = now()
        WHERE tenant_id = $1 AND retired_at IS NOT NULL AND (expires_at IS NULL OR expires_at > now())
        RETURNING kid`,
      [tenantId],
    )) as [{ kid: string }[], number];
    return rows.map((row) => row.kid);
  }

  /** Every key of the tenant still on record, newest first (public parts only). */
  async list(
    tenantId: string,
  ): Promise<
    Pick<TenantSigningKeyEntity, 'kid' | 'algorithm' | 'createdAt' | 'retiredAt' | 'expiresAt'>[]
  > {
    return this.host.manager.getRepository(TenantSigningKeyEntity).find({
      select: { kid: true, algorithm: true, createdAt: true, retiredAt: true, expiresAt: true },
      where: { tenantId },
      order: { createdAt: 'DESC' },
    });
  }

  async tenantExists(tenantId: string): Promise<boolean> {
    const rows = (await this.host.manager.query('SELECT 1 FROM tenants WHERE id = $1', [
      tenantId,
    ])) as unknown[];
    return rows.length > 0;
  }
}
