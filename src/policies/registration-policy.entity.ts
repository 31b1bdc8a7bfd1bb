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
import { RelyingPartyEntity } from '../relying-parties/relying-party.entity';
import {
  AttestationConveyance,
  AttestationRequirement,
  AuthenticatorAttachment,
  Hint,
  Requirement,
  UntrustedAttestation,
} from './policy-enums';

@Entity('registration_policies')
@Index('uq_registration_policies_rp_name', ['tenantId', 'relyingPartyId', 'name'], { unique: true })
export class RegistrationPolicyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_registration_policies' })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_registration_policies',
  })
  tenantId!: string;

  @Column({ name: 'relying_party_id', type: 'uuid' })
  relyingPartyId!: string;

  @ManyToOne(() => RelyingPartyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_registration_policies_rp',
    },
    {
      name: 'relying_party_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_registration_policies_rp',
    },
  ])
  relyingParty?: RelyingPartyEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  /** null: any attachment. */
  @Column({ name: 'authenticator_attachment', type: 'varchar', length: 16, nullable: true })
  authenticatorAttachment!: AuthenticatorAttachment | null;

  @Column({ name: 'resident_key', type: 'varchar', length: 16 })
  residentKey!: Requirement;

  @Column({ name: 'user_verification', type: 'varchar', length: 16 })
  userVerification!: Requirement;

  @Column({ type: 'varchar', length: 16 })
  attestation!: AttestationConveyance;

  @Column({ name: 'timeout_ms', type: 'int' })
  timeoutMs!: number;

  @Column({ type: 'int', array: true })
  algorithms!: number[];

  @Column({ name: 'allow_external_challenge', type: 'boolean' })
  allowExternalChallenge!: boolean;

  /** Empty: any authenticator. Only an AAGUID proven by a trusted attestation can satisfy it. */
  @Column({ name: 'aaguid_allow_list', type: 'uuid', array: true, default: () => "'{}'" })
  aaguidAllowList!: string[];

  /** Refused AAGUIDs, proven or merely claimed. */
  @Column({ name: 'aaguid_deny_list', type: 'uuid', array: true, default: () => "'{}'" })
  aaguidDenyList!: string[];

  @Column({ name: 'attestation_requirement', type: 'varchar', length: 16, default: 'NONE' })
  attestationRequirement!: AttestationRequirement;

  @Column({ name: 'untrusted_attestation', type: 'varchar', length: 16, default: 'RECORD' })
  untrustedAttestation!: UntrustedAttestation;

  @Column({ name: 'exclude_existing_credentials', type: 'boolean' })
  excludeExistingCredentials!: boolean;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  hints!: Hint[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
