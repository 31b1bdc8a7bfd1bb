import { MigrationInterface, QueryRunner } from 'typeorm';

export class StepUp1795326781369 implements MigrationInterface {
  name = 'StepUp1795326781369';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "rate_limits" ("key" character varying(200) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "count" integer NOT NULL, CONSTRAINT "PK_8cb6aa4831e3e775ccf370521db" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_rate_limits_window" ON "rate_limits"  ("window_start") ',
    );
    await queryRunner.query(
      'CREATE TABLE "nonces" ("hash" bytea NOT NULL, "tenant_id" character varying(63) NOT NULL, "store_id" uuid NOT NULL, "transaction_id" character varying(64) NOT NULL, "kind" character varying(16) NOT NULL, "user_id" uuid NOT NULL, "external_id" character varying(255) NOT NULL, "passkey_id" uuid NOT NULL, "user_verified" boolean NOT NULL, "backed_up" boolean NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "redeemed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_f6475374c39f4f56b454ca379b7" PRIMARY KEY ("hash"))',
    );
    await queryRunner.query('CREATE INDEX "ix_nonces_expires" ON "nonces"  ("expires_at") ');
    await queryRunner.query(
      'CREATE TABLE "step_up_transactions" ("id" character varying(64) NOT NULL, "tenant_id" character varying(63) NOT NULL, "store_id" uuid NOT NULL, "relying_party_id" uuid NOT NULL, "store_name" character varying(63) NOT NULL, "rp_id" character varying(253) NOT NULL, "user_id" uuid, "kind" character varying(16) NOT NULL, "policy_name" character varying(63) NOT NULL, "passkey_display_name" character varying(255), "status" character varying(16) NOT NULL, "session_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5cf514f987f45a052ab948d6e32" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_step_up_transactions_expires" ON "step_up_transactions"  ("expires_at") ',
    );
    await queryRunner.query(
      'ALTER TABLE "audit_events" ALTER COLUMN "details" SET DEFAULT \'{}\'::jsonb',
    );
    await queryRunner.query(
      'ALTER TABLE "users" ALTER COLUMN "attributes" SET DEFAULT \'{}\'::jsonb',
    );
    await queryRunner.query(
      'ALTER TABLE "step_up_transactions" ADD CONSTRAINT "fk_step_up_transactions_store" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "step_up_transactions" ADD CONSTRAINT "fk_step_up_transactions_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "step_up_transactions" ADD CONSTRAINT "fk_step_up_transactions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "step_up_transactions" DROP CONSTRAINT "fk_step_up_transactions_user"',
    );
    await queryRunner.query(
      'ALTER TABLE "step_up_transactions" DROP CONSTRAINT "fk_step_up_transactions_rp"',
    );
    await queryRunner.query(
      'ALTER TABLE "step_up_transactions" DROP CONSTRAINT "fk_step_up_transactions_store"',
    );
    await queryRunner.query('ALTER TABLE "users" ALTER COLUMN "attributes" SET DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "audit_events" ALTER COLUMN "details" SET DEFAULT \'{}\'');
    await queryRunner.query('DROP INDEX "public"."ix_step_up_transactions_expires"');
    await queryRunner.query('DROP TABLE "step_up_transactions"');
    await queryRunner.query('DROP INDEX "public"."ix_nonces_expires"');
    await queryRunner.query('DROP TABLE "nonces"');
    await queryRunner.query('DROP INDEX "public"."ix_rate_limits_window"');
    await queryRunner.query('DROP TABLE "rate_limits"');
  }
}
