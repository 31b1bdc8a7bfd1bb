import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RelyingPartyEntity } from '../../relying-parties/relying-party.entity';
import { UserEntity } from '../../users/user.entity';

/** The WebAuthn user handle of a user at one relying party: random, never personal data. */
@Entity('user_handles')
@Index('uq_user_handles_rp_handle', ['tenantId', 'relyingPartyId', 'handle'], { unique: true })
export class UserHandleEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_user_handles',
  })
  tenantId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_user_handles' })
  userId!: string;

  @PrimaryColumn({
    name: 'relying_party_id',
    type: 'uuid',
    primaryKeyConstraintName: 'pk_user_handles',
  })
  relyingPartyId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_user_handles_user',
    },
    {
      name: 'user_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_user_handles_user',
    },
  ])
  user?: UserEntity;

  @ManyToOne(() => RelyingPartyEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_user_handles_rp',
    },
    {
      name: 'relying_party_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_user_handles_rp',
    },
  ])
  relyingParty?: RelyingPartyEntity;

  /** base64url of 1-64 bytes. */
  @Column({ type: 'varchar', length: 88 })
  handle!: string;
}
