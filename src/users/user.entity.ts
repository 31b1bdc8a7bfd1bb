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
import { UserStatus } from '../stores/user-status';

@Entity('users')
@Index('uq_users_store_external_id', ['tenantId', 'storeId', 'externalId'], { unique: true })
@Index('ix_users_store_created', ['tenantId', 'storeId', 'createdAt', 'id'])
@Index('ix_users_store_status_created', ['tenantId', 'storeId', 'status', 'createdAt', 'id'])
// Case-insensitive prefix search (hand-written in the migration: expression indexes)
@Index('ix_users_store_user_name_lower', { synchronize: false })
@Index('ix_users_store_email_lower', { synchronize: false })
@Index('ix_users_store_display_name_lower', { synchronize: false })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_users' })
  id!: string;

  /** Denormalised from the store: every query is scoped by tenant without a join. */
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_users',
  })
  tenantId!: string;

  @Column({ name: 'store_id', type: 'uuid' })
  storeId!: string;

  @ManyToOne(() => StoreEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'fk_users_store',
    },
    { name: 'store_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_users_store' },
  ])
  store?: StoreEntity;

  @Column({ name: 'external_id', type: 'varchar', length: 255 })
  externalId!: string;

  @Column({ name: 'user_name', type: 'varchar', length: 255 })
  userName!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 255 })
  displayName!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: UserStatus;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 35 })
  locale!: string;

  @Column({ name: 'time_zone', type: 'varchar', length: 64 })
  timeZone!: string;

  @Column({ name: 'first_name', type: 'varchar', length: 255, nullable: true })
  firstName!: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 255, nullable: true })
  lastName!: string | null;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  attributes!: Record<string, string>;

  @Column({ name: 'failed_attempts', type: 'int', default: 0 })
  failedAttempts!: number;

  @Column({ name: 'lock_count', type: 'int', default: 0 })
  lockCount!: number;

  @Column({ name: 'temp_locked_until', type: 'timestamptz', nullable: true })
  tempLockedUntil!: Date | null;

  @Column({ name: 'last_authenticated_at', type: 'timestamptz', nullable: true })
  lastAuthenticatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
