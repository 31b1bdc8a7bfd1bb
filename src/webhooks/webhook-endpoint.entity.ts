import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a tenant wants its events: a URL, the event types, a signing secret sealed under the KEK. */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 63 })
  tenantId!: string;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description!: string | null;

  /** AuditEventType values, or `*` for every one. */
  @Column({ type: 'text', array: true })
  events!: string[];

  /** The signing secret as a JWE under the KEK, bound to this row (never in clear). */
  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed!: string;

  /** The secret before the last rotation, still signing until `previousSecretUntil`. */
  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true })
  previousSecretSealed!: string | null;

  @Column({ name: 'previous_secret_until', type: 'timestamptz', nullable: true })
  previousSecretUntil!: Date | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
