import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum DeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/**
 * One event for one endpoint: the outbox row its senders claim, and its line in the delivery
 * log. Written by the `webhook_outbox` trigger in the event's own transaction.
 */
@Entity('webhook_deliveries')
@Index('ix_webhook_deliveries_due', ['nextAttemptAt'], { where: `"status" = 'PENDING'` })
@Index('ix_webhook_deliveries_endpoint', ['tenantId', 'endpointId', 'createdAt', 'id'])
@Index('ix_webhook_deliveries_finished', ['createdAt'], { where: `"status" <> 'PENDING'` })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 63 })
  tenantId!: string;

  /** Also the `webhook-id` header: the same on every attempt, so receivers can deduplicate. */
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  /** The body every attempt sends, byte for byte. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16, default: DeliveryStatus.PENDING })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  /** The claim an outcome must match (a later claim after the lease supersedes it). */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
