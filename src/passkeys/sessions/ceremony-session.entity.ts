import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { RelyingPartyEntity } from '../../relying-parties/relying-party.entity';
import { StoreEntity } from '../../stores/store.entity';
import { UserEntity } from '../../users/user.entity';

export enum CeremonyKind {
  REGISTRATION = 'REGISTRATION',
  AUTHENTICATION = 'AUTHENTICATION',
}

export enum SessionStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}

/**
 * What completion needs from the start, frozen with the session: the policy may change or be
 * deleted meanwhile, and completion then reads no policy or relying party at all.
 */
export interface SessionSnapshot {
  rpId: string;
  origins: string[];
  policyName: string;
  userVerification: string;
  /** authentication */
  counterPolicy?: string;
  /**
   * authentication of a known user: the ids its options listed in `allowCredentials` (§7.2 step
   * 5: the assertion must use one of them). Absent username-less, and in sessions started before
   * it was kept.
   */
  allowCredentialIds?: string[];
  /** registration */
  algorithms?: number[];
  aaguidAllowList?: string[];
  /** registration: attestation trust (absent in sessions started before it existed) */
  aaguidDenyList?: string[];
  attestationRequirement?: string;
  untrustedAttestation?: string;
  userHandle?: string;
  passkeyDisplayName?: string;
  createdUser?: boolean;
}

@Entity('ceremony_sessions')
@Index('ix_ceremony_sessions_expires', ['expiresAt'])
export class CeremonySessionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_ceremony_sessions' })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_ceremony_sessions',
  })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @ManyToOne(() => StoreEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_ceremony_sessions_store',
    },
    {
      name: 'store_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_ceremony_sessions_store',
    },
  ])
  store?: StoreEntity;

  @Column({ name: 'relying_party_id', type: 'uuid' })
  relyingPartyId!: string;

  @ManyToOne(() => RelyingPartyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_ceremony_sessions_rp',
    },
    {
      name: 'relying_party_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_ceremony_sessions_rp',
    },
  ])
  relyingParty?: RelyingPartyEntity;

  @Column({ type: 'varchar', length: 16 })
  kind!: CeremonyKind;

  @Column({ type: 'varchar', length: 16 })
  status!: SessionStatus;

  /** Absent for a username-less authentication until it completes. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_ceremony_sessions_user',
    },
    {
      name: 'user_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_ceremony_sessions_user',
    },
  ])
  user?: UserEntity;

  /** base64url; the only copy of the challenge, consumed with the session. */
  @Column({ type: 'varchar', length: 128 })
  challenge!: string;

  @Column({ name: 'client_request', type: 'jsonb' })
  clientRequest!: object;

  @Column({ type: 'jsonb' })
  snapshot!: SessionSnapshot;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  outcome!: object | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode!: string | null;

  @Column({ name: 'failure_detail', type: 'varchar', length: 1000, nullable: true })
  failureDetail!: string | null;
}
