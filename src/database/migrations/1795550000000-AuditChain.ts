import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tamper-evident audit log (docs/audit.md): every event gets its place in its tenant's chain
 * (`chain`, `seq`) and two hashes when the sealer reaches it; `audit_chains` keeps each chain's
 * head and, after retention purged its start, the anchor the kept part links to. Existing events
 * are sealed by the first run of the sealer. Nothing changes where events are inserted.
 */
export class AuditChain1795550000000 implements MigrationInterface {
  name = 'AuditChain1795550000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "audit_events" ADD "chain" character varying(63), ADD "seq" bigint,
         ADD "content_hash" bytea, ADD "chain_hash" bytea`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" ADD CONSTRAINT "ck_audit_events_sealed" CHECK (
         ("seq" IS NULL AND "chain" IS NULL AND "content_hash" IS NULL AND "chain_hash" IS NULL)
         OR ("seq" IS NOT NULL AND "chain" IS NOT NULL AND "content_hash" IS NOT NULL AND "chain_hash" IS NOT NULL))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_audit_events_chain_seq" ON "audit_events" ("chain", "seq")
         WHERE "seq" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_unsealed" ON "audit_events" ("occurred_at", "id")
         WHERE "seq" IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_chains" (
         "chain" character varying(63) NOT NULL,
         "head_seq" bigint NOT NULL,
         "head_hash" bytea NOT NULL,
         "anchor_seq" bigint NOT NULL DEFAULT 0,
         "anchor_hash" bytea NOT NULL,
         "anchored_at" TIMESTAMP WITH TIME ZONE,
         "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "pk_audit_chains" PRIMARY KEY ("chain"),
         CONSTRAINT "ck_audit_chains_anchor" CHECK ("anchor_seq" <= "head_seq"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "audit_chains"');
    await queryRunner.query('DROP INDEX "ix_audit_events_unsealed"');
    await queryRunner.query('DROP INDEX "ux_audit_events_chain_seq"');
    await queryRunner.query(
      `ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_sealed", DROP COLUMN "chain_hash",
         DROP COLUMN "content_hash", DROP COLUMN "seq", DROP COLUMN "chain"`,
    );
  }
}
