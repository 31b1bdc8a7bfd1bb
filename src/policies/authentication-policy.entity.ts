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
import { CounterPolicy, Hint, Requirement } from './policy-enums';

@Entity('authentication_policies')
@Index('uq_authentication_policies_rp_name', ['tenantId', 'relyingPartyId', 'name'], {
  unique: true,
})
export class AuthenticationPolicyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_authentication_policies' })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_authentication_policies',
  })
  tenantId!: string;

  @Column({ name: 'relying_party_id', type: 'uuid' })
  relyingPartyId!: string;

  @ManyToOne(() => RelyingPartyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_authentication_policies_rp',
    },
    {
      name: 'relying_party_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_authentication_policies_rp',
    },
  ])
  relyingParty?: RelyingPartyEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ name: 'user_verification', type: 'varchar', length: 16 })
  userVerification!: Requirement;

  @Column({ name: 'timeout_ms', type: 'int' })
  timeoutMs!: number;

  @Column({ name: 'allow_external_challenge', type: 'boolean' })
  allowExternalChallenge!: boolean;

  @Column({ name: 'counter_policy', type: 'varchar', length: 8 })
  counterPolicy!: CounterPolicy;

  /** Username-less (discoverable credential) starts allowed. */
  @Column({ name: 'allow_discoverable', type: 'boolean' })
  allowDiscoverable!: boolean;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  hints!: Hint[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
