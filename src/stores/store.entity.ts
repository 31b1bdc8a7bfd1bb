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
import { TenantEntity } from '../tenants/tenant.entity';
import { UserStatus } from './user-status';

@Entity('stores')
@Index('uq_stores_tenant_name', ['tenantId', 'name'], { unique: true })
export class StoreEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_stores' })
  id!: string;

  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_stores',
  })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_stores_tenant' })
  tenant?: TenantEntity;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description!: string | null;

  @Column({ name: 'default_locale', type: 'varchar', length: 35 })
  defaultLocale!: string;

  @Column({ name: 'default_time_zone', type: 'varchar', length: 64 })
  defaultTimeZone!: string;

  @Column({ name: 'default_user_status', type: 'varchar', length: 16 })
  defaultUserStatus!: UserStatus;

  @Column({ name: 'max_failed_attempts', type: 'int' })
  maxFailedAttempts!: number;

  @Column({ name: 'temp_lock_seconds', type: 'int' })
  tempLockSeconds!: number;

  @Column({ name: 'max_temp_locks_before_lock', type: 'int' })
  maxTempLocksBeforeLock!: number;

  /** Kept by the users service in the same transactions that add and remove users. */
  @Column({ name: 'user_count', type: 'int', default: 0 })
  userCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
