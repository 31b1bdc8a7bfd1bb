import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The server's API-token signing keys (ES256). Shared through the database by every instance. */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm!: string;

  /**
   * PKCS#8 PEM, as versions before the KEK stored it; sealed (and emptied) by the first instance
   * that boots with a KEK. Never written any more.
   */
  @Column({ name: 'private_key', type: 'text', nullable: true })
  privateKey!: string | null;

  /** The private JWK sealed under the KEK (a compact JWE). */
  @Column({ name: 'private_key_sealed', type: 'text', nullable: true })
  privateKeySealed!: string | null;

  /** Set on a key retired from signing: tokens it signed verify until then, none after. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
