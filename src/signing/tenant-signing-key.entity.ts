import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tenant's ES256 key pair, which signs its result tokens. One is current (`retiredAt` null);
 * a rotated-out key stays published in the tenant's JWKS until `expiresAt`.
 */
@Entity('tenant_signing_keys')
export class TenantSigningKeyEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 63 })
  tenantId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm!: string;

  /** The private JWK sealed under the KEK (a compact JWE): never stored in clear. */
  @Column({ name: 'private_key_sealed', type: 'text' })
  privateKeySealed!: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
