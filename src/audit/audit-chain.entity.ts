import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One hash chain of the audit log: a tenant's (`tenant_id` = its id) or the platform scope's (`*`).
 * The head is the last sealed event; the anchor is the last event retention deleted (seq 0 and
 * the genesis hash while nothing was), where verification of the kept part starts.
 */
@Entity('audit_chains')
export class AuditChainEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'varchar',
    length: 63,
    primaryKeyConstraintName: 'pk_audit_chains',
  })
  tenantId!: string;

  @Column({ name: 'head_seq', type: 'bigint' })
  headSeq!: string;

  @Column({ name: 'head_hash', type: 'bytea' })
  headHash!: Buffer;

  @Column({ name: 'anchor_seq', type: 'bigint', default: 0 })
  anchorSeq!: string;

  @Column({ name: 'anchor_hash', type: 'bytea' })
  anchorHash!: Buffer;

  @Column({ name: 'anchored_at', type: 'timestamptz', nullable: true })
  anchoredAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
