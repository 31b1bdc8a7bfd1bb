import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { StoreEntity } from '../stores/store.entity';

@Entity('relying_parties')
@Index('uq_relying_parties_store_rp_id', ['storeId', 'rpId'], { unique: true })
export class RelyingPartyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 63 })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @ManyToOne(() => StoreEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'store_id', foreignKeyConstraintName: 'fk_relying_parties_store' })
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
