import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The server's JWT signing keys (ES256). Shared through the database by every instance. */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm!: string;

  /** PKCS#8 PEM. Whoever reads this table can mint tokens: protect the database accordingly. */
  @Column({ name: 'private_key', type: 'text' })
  privateKey!: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
