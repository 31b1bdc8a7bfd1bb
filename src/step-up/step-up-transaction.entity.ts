import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { RelyingPartyEntity } from '../relying-parties/relying-party.entity';
import { StoreEntity } from '../stores/store.entity';
import { UserEntity } from '../users/user.entity';

export enum TransactionKind {
  REGISTER = 'register',
  AUTHENTICATE = 'authenticate',
}

export enum TransactionStatus {
  PENDING = 'PENDING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

/**
 * A step-up transaction: minted by the integrator's backend, run by the browser. Its id is the
 * browser's only capability, so it is 256 random bits, not a UUID.
 */
@Entity('step_up_transactions')
@Index('ix_step_up_transactions_expires', ['expiresAt'])
/** The keyless browser routes find a transaction by its id alone (the primary key leads with the tenant). */
@Index('ix_step_up_transactions_id', ['id'])
export class StepUpTransactionEntity {
  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'pk_step_up_transactions',
  })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_step_up_transactions',
  })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @ManyToOne(() => StoreEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_step_up_transactions_store',
    },
    {
      name: 'store_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_step_up_transactions_store',
    },
  ])
  store?: StoreEntity;

  @Column({ name: 'relying_party_id', type: 'uuid' })
  relyingPartyId!: string;

  /** Names as the routes address them (ids above keep the rows tied to what they name). */
  @Column({ name: 'store_name', type: 'varchar', length: 63 })
  storeName!: string;

  @Column({ name: 'rp_id', type: 'varchar', length: 253 })
  rpId!: string;

  @ManyToOne(() => RelyingPartyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_step_up_transactions_rp',
    },
    {
      name: 'relying_party_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_step_up_transactions_rp',
    },
  ])
  relyingParty?: RelyingPartyEntity;

  /** Absent for a username-less authentication until it completes. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_step_up_transactions_user',
    },
    {
      name: 'user_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_step_up_transactions_user',
    },
  ])
  user?: UserEntity;

  @Column({ type: 'varchar', length: 16 })
  kind!: TransactionKind;

  @Column({ name: 'policy_name', type: 'varchar', length: 63 })
  policyName!: string;

  @Column({ name: 'passkey_display_name', type: 'varchar', length: 255, nullable: true })
  passkeyDisplayName!: string | null;

  /** What the user approves: canonical JSON (RFC 8785), hashed into the challenge. */
  @Column({ name: 'transaction_data', type: 'text', nullable: true })
  transactionData!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: TransactionStatus;

  /** The ceremony session of the latest start. */
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** The API key that minted it (null: a browser's username-less start): it must stay usable. */
  @Column({ name: 'minted_by_key_id', type: 'uuid', nullable: true })
  mintedByKeyId!: string | null;

  /** The fingerprint of that key's secret then: a replaced secret ends it, as its tokens. */
  @Column({ name: 'minted_by_key_fingerprint', type: 'varchar', length: 32, nullable: true })
  mintedByKeyFingerprint!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
