import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TenantStatus } from './tenant-rules';

export { TenantStatus };

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16, default: TenantStatus.ACTIVE })
  status!: TenantStatus;

  @Column({ name: 'max_stores', type: 'int' })
  maxStores!: number;

  @Column({ name: 'max_users', type: 'int' })
  maxUsers!: number;

  @Column({ name: 'max_passkeys_per_user', type: 'int' })
  maxPasskeysPerUser!: number;

  /** Requests per minute per API key on ceremony and token routes; null: the server default, 0: off. */
  @Column({ name: 'rate_limit_per_key', type: 'int', nullable: true })
  rateLimitPerKey!: number | null;

  /** Requests per minute per client IP on those routes; null: the server default, 0: off. */
  @Column({ name: 'rate_limit_per_ip', type: 'int', nullable: true })
  rateLimitPerIp!: number | null;

  /** Users across all stores; moved in the same transactions that add and remove users. */
  @Column({ name: 'user_count', type: 'int', default: 0 })
  userCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
