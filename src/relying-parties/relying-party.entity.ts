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
import { StoreEntity } from '../stores/store.entity';

@Entity('relying_parties')
@Index('uq_relying_parties_store_rp_id', ['tenantId', 'storeId', 'rpId'], { unique: true })
export class RelyingPartyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_relying_parties' })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_relying_parties',
  })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @ManyToOne(() => StoreEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_relying_parties_store',
    },
    {
      name: 'store_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'fk_relying_parties_store',
    },
  ])
  store?: StoreEntity;

  @Column({ name: 'rp_id', type: 'varchar', length: 253 })
  rpId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** Restricted origins; empty = https://{rpId} and its subdomains (http://localhost:* for localhost). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  origins!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
