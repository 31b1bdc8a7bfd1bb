import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_events')
@Index('ix_audit_events_tenant_time', ['tenantId', 'occurredAt'])
@Index('ix_audit_events_tenant_type_time', ['tenantId', 'type', 'occurredAt'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Kept after the tenant is deleted (no foreign key): the log outlives what it describes. */
  @Column({ name: 'tenant_id', type: 'varchar', length: 63, nullable: true })
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
}
