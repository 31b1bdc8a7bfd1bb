import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { PLATFORM_CHAIN } from './audit-chain';

@Entity('audit_events')
@Index('ix_audit_events_tenant_time', ['tenantId', 'occurredAt'])
@Index('ix_audit_events_tenant_type_time', ['tenantId', 'type', 'occurredAt'])
@Index('ux_audit_events_chain_seq', { synchronize: false })
@Index('ix_audit_events_unsealed', { synchronize: false })
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_audit_events' })
  id!: string;

  /**
   * Null for the platform scope (stored as `*`: the column leads the primary key). Kept after the
   * tenant is deleted (no foreign key): the log outlives what it describes.
   */
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_audit_events',
    transformer: {
      to: (value: string | null | undefined) => (value === null ? PLATFORM_CHAIN : value),
      from: (value: string) => (value === PLATFORM_CHAIN ? null : value),
    },
  })
  tenantId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ name: 'actor_key_id', type: 'uuid', nullable: true })
  actorKeyId!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  details!: Record<string, unknown>;

  /** Its place in the chain (1, 2, …); null until the sealer reaches it (docs/audit.md). */
  @Column({ type: 'bigint', nullable: true })
  seq!: string | null;

  @Column({ name: 'content_hash', type: 'bytea', nullable: true })
  contentHash!: Buffer | null;

  @Column({ name: 'chain_hash', type: 'bytea', nullable: true })
  chainHash!: Buffer | null;
}
