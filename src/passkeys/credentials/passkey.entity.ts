import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { RelyingPartyEntity } from '../../relying-parties/relying-party.entity';
import { UserEntity } from '../../users/user.entity';

export enum PasskeyStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  REVOKED = 'REVOKED',
}

/** Sign counters are uint32: stored as bigint, read back as numbers. */
const counter = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

@Entity('passkeys')
@Index('uq_passkeys_rp_credential', ['tenantId', 'relyingPartyId', 'credentialId'], {
  unique: true,
})
@Index('ix_passkeys_user_rp', ['tenantId', 'userId', 'relyingPartyId'])
export class PasskeyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_passkeys' })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_passkeys',
  })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @Column({ name: 'relying_party_id', type: 'uuid' })
  relyingPartyId!: string;

  @ManyToOne(() => RelyingPartyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_passkeys_rp',
    },
    {
      name: 'relying_party_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_passkeys_rp',
    },
  ])
  relyingParty?: RelyingPartyEntity;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_passkeys_user',
    },
    { name: 'user_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_passkeys_user' },
  ])
  user?: UserEntity;

  /** base64url, as browsers send it (at most 1023 bytes per WebAuthn). */
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId!: string;

  /** COSE_Key bytes. */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey!: Buffer;

  @Column({ type: 'int' })
  algorithm!: number;

  @Column({ name: 'sign_counter', type: 'bigint', transformer: counter })
  signCounter!: number;

  @Column({ type: 'uuid' })
  aaguid!: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  transports!: string[];

  /** null: not known (an imported passkey whose source did not record it), until a sign-in. */
  @Column({ name: 'backup_eligible', type: 'boolean', nullable: true })
  backupEligible!: boolean | null;

  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp!: boolean;

  @Column({ name: 'attestation_format', type: 'varchar', length: 32 })
  attestationFormat!: string;

  /** The attestation statement verified (false for fmt `none`). */
  @Column({ name: 'attestation_verified', type: 'boolean', default: false })
  attestationVerified!: boolean;

  /** Its certificate chain reached a root from the AAGUID's metadata statement. */
  @Column({ name: 'attestation_trusted', type: 'boolean', default: false })
  attestationTrusted!: boolean;

  /** SHA-256 of the DER of the trusted root, hex; null unless trusted. */
  @Column({ name: 'attestation_root_sha256', type: 'varchar', length: 64, nullable: true })
  attestationRootSha256!: string | null;

  @Column({ name: 'attestation_root_subject', type: 'varchar', length: 1024, nullable: true })
  attestationRootSubject!: string | null;

  /** The model's name from its metadata statement, recorded only when the attestation is trusted. */
  @Column({ name: 'authenticator_name', type: 'varchar', length: 255, nullable: true })
  authenticatorName!: string | null;

  @Column({ name: 'display_name', type: 'varchar', length: 255 })
  displayName!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: PasskeyStatus;

  @Column({ name: 'use_count', type: 'int', default: 0 })
  useCount!: number;

  /** Sign-counter regressions seen under the FLAG policy (a possibly cloned authenticator). */
  @Column({ name: 'counter_regressions', type: 'int', default: 0 })
  counterRegressions!: number;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
