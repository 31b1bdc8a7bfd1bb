import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: each tenant's endpoints and the outbox of deliveries. An AFTER INSERT trigger on
 * `audit_events` writes one delivery per active endpoint of the event's tenant that subscribes to
 * its type, in the transaction of the event (whichever statement inserted it, CTEs included): a
 * rolled-back event leaves no delivery, a committed one always has its deliveries. For a tenant
 * without endpoints the trigger costs one probe of the endpoints' primary key. Platform events
 * (no tenant) have no webhooks.
 */
export class Webhooks1795600000000 implements MigrationInterface {
  name = 'Webhooks1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" (
         "tenant_id" character varying(63) NOT NULL,
         "id" uuid NOT NULL,
         "url" character varying(2048) NOT NULL,
         "description" character varying(1000),
         "events" text array NOT NULL,
         "secret_sealed" text NOT NULL,
         "active" boolean NOT NULL DEFAULT true,
         "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "pk_webhook_endpoints" PRIMARY KEY ("tenant_id", "id"),
         CONSTRAINT "fk_webhook_endpoints_tenant" FOREIGN KEY ("tenant_id")
           REFERENCES "tenants"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" (
         "tenant_id" character varying(63) NOT NULL,
         "id" uuid NOT NULL DEFAULT gen_random_uuid(),
         "endpoint_id" uuid NOT NULL,
         "event_id" uuid NOT NULL,
         "event_type" character varying(64) NOT NULL,
         "payload" text NOT NULL,
         "status" character varying(16) NOT NULL DEFAULT 'PENDING',
         "attempts" integer NOT NULL DEFAULT 0,
         "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "claim_token" uuid,
         "last_attempt_at" TIMESTAMP WITH TIME ZONE,
         "last_status_code" integer,
         "last_error" character varying(300),
         "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "delivered_at" TIMESTAMP WITH TIME ZONE,
         CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("tenant_id", "id"),
         CONSTRAINT "fk_webhook_deliveries_endpoint" FOREIGN KEY ("tenant_id", "endpoint_id")
           REFERENCES "webhook_endpoints"("tenant_id", "id") ON DELETE CASCADE)`,
    );
    // what the senders claim: due pending deliveries, oldest due first
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at")
         WHERE "status" = 'PENDING'`,
    );
    // an endpoint's delivery log, newest first (and the cascade of its deletion)
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries"
         ("tenant_id", "endpoint_id", "created_at", "id")`,
    );
    // the retention clean-up of finished deliveries
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_finished" ON "webhook_deliveries" ("created_at")
         WHERE "status" <> 'PENDING'`,
    );
    // The body is fixed here, once: every attempt sends the same bytes under the same webhook-id.
    // `data` is the event as GET /auditEvents shows it, without the client IP.
    await queryRunner.query(
      `CREATE FUNCTION "webhook_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.tenant_id IS NULL THEN
           RETURN NULL;
         END IF;
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
         SELECT e.tenant_id, e.id, NEW.id, NEW.type,
                jsonb_build_object(
                  'type', NEW.type,
                  'timestamp', to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'data', jsonb_build_object(
                    'id', NEW.id,
                    'type', NEW.type,
                    'tenantId', NEW.tenant_id,
                    'occurredAt', to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'actorKeyId', NEW.actor_key_id,
                    'requestId', NEW.request_id,
                    'details', NEW.details))::text
           FROM webhook_endpoints e
          WHERE e.tenant_id = NEW.tenant_id AND e.active
            AND (NEW.type = ANY (e.events) OR '*' = ANY (e.events))
            -- waits for an endpoint being deleted and then skips it (else the foreign key
            -- check fails once the delete commits: a 500 for the event's request)
            FOR KEY SHARE OF e;
         RETURN NULL;
       END
       $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "audit_events_webhook_outbox" AFTER INSERT ON "audit_events"
         FOR EACH ROW EXECUTE FUNCTION "webhook_outbox"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "audit_events_webhook_outbox" ON "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "webhook_outbox"()`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
