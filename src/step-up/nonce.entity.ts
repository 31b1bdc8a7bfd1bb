import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ProvenResult } from '../signing/result-tokens';

/** A single-use proof that a ceremony succeeded; only its SHA-256 is stored. */
@Entity('nonces')
@Index('ix_nonces_expires', ['expiresAt'])
export class NonceEntity {
  @PrimaryColumn({ type: 'bytea', primaryKeyConstraintName: 'pk_nonces' })
  hash!: Buffer;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_nonces',
  })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @Column({ name: 'transaction_id', type: 'varchar', length: 64 })
  transactionId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'external_id', type: 'varchar', length: 255 })
  externalId!: string;

  @Column({ name: 'passkey_id', type: 'uuid' })
  passkeyId!: string;

  @Column({ name: 'user_verified', type: 'boolean' })
  userVerified!: boolean;

  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp!: boolean;

  /** The transaction data the ceremony proved (canonical JSON), copied at its completion. */
  @Column({ name: 'transaction_data', type: 'text', nullable: true })
  transactionData!: string | null;

  /**
   * The result token, signed when the ceremony succeeded (in its transaction): the redemption
   * hands it over as it is, so rows altered later cannot be turned into a signed claim.
   */
  @Column({ name: 'result_token', type: 'text', nullable: true })
  resultToken!: string | null;

  /** Only nonces minted before result tokens: what they proved, signed at their redemption. */
  @Column({ type: 'jsonb', nullable: true })
  proof!: ProvenResult | null;

  /** The relying party and policy the ceremony ran under (null: minted before they were kept). */
  @Column({ name: 'relying_party_id', type: 'uuid', nullable: true })
  relyingPartyId!: string | null;

  @Column({ name: 'policy_name', type: 'varchar', length: 63, nullable: true })
  policyName!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'redeemed_at', type: 'timestamptz', nullable: true })
  redeemedAt!: Date | null;
}
