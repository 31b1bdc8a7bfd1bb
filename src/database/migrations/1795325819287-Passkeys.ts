import { MigrationInterface, QueryRunner } from 'typeorm';

export class Passkeys1795325819287 implements MigrationInterface {
  name = 'Passkeys1795325819287';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "ceremony_sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "store_id" uuid NOT NULL, "relying_party_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "user_id" uuid, "challenge" character varying(128) NOT NULL, "client_request" jsonb NOT NULL, "snapshot" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, "outcome" jsonb, "failure_code" character varying(64), "failure_detail" character varying(1000), CONSTRAINT "PK_7aa848a322fac8508ef2ba41569" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_ceremony_sessions_expires" ON "ceremony_sessions"  ("expires_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "passkeys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "store_id" uuid NOT NULL, "relying_party_id" uuid NOT NULL, "user_id" uuid NOT NULL, "credential_id" character varying(1400) NOT NULL, "public_key" bytea NOT NULL, "algorithm" integer NOT NULL, "sign_counter" bigint NOT NULL, "aaguid" uuid NOT NULL, "transports" text array NOT NULL DEFAULT \'{}\', "backup_eligible" boolean NOT NULL, "backed_up" boolean NOT NULL, "attestation_format" character varying(32) NOT NULL, "display_name" character varying(255) NOT NULL, "status" character varying(16) NOT NULL, "use_count" integer NOT NULL DEFAULT \'0\', "counter_regressions" integer NOT NULL DEFAULT \'0\', "last_used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_db928e6fd79e7098911268a74c3" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_passkeys_user_rp" ON "passkeys"  ("user_id", "relying_party_id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_passkeys_rp_credential" ON "passkeys"  ("relying_party_id", "credential_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "user_handles" ("user_id" uuid NOT NULL, "relying_party_id" uuid NOT NULL, "handle" character varying(88) NOT NULL, CONSTRAINT "PK_d10fcd8358fb545e279373f6463" PRIMARY KEY ("user_id", "relying_party_id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_user_handles_rp_handle" ON "user_handles"  ("relying_party_id", "handle") ',
    );
    await queryRunner.query(
      'ALTER TABLE "audit_events" ALTER COLUMN "details" SET DEFAULT \'{}\'::jsonb',
    );
    await queryRunner.query(
      'ALTER TABLE "users" ALTER COLUMN "attributes" SET DEFAULT \'{}\'::jsonb',
    );
    await queryRunner.query(
      'ALTER TABLE "ceremony_sessions" ADD CONSTRAINT "fk_ceremony_sessions_store" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "ceremony_sessions" ADD CONSTRAINT "fk_ceremony_sessions_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "ceremony_sessions" ADD CONSTRAINT "fk_ceremony_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "passkeys" ADD CONSTRAINT "fk_passkeys_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "passkeys" ADD CONSTRAINT "fk_passkeys_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "user_handles" ADD CONSTRAINT "fk_user_handles_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "user_handles" ADD CONSTRAINT "fk_user_handles_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "user_handles" DROP CONSTRAINT "fk_user_handles_rp"');
    await queryRunner.query('ALTER TABLE "user_handles" DROP CONSTRAINT "fk_user_handles_user"');
    await queryRunner.query('ALTER TABLE "passkeys" DROP CONSTRAINT "fk_passkeys_user"');
    await queryRunner.query('ALTER TABLE "passkeys" DROP CONSTRAINT "fk_passkeys_rp"');
    await queryRunner.query(
      'ALTER TABLE "ceremony_sessions" DROP CONSTRAINT "fk_ceremony_sessions_user"',
    );
    await queryRunner.query(
      'ALTER TABLE "ceremony_sessions" DROP CONSTRAINT "fk_ceremony_sessions_rp"',
    );
    await queryRunner.query(
      'ALTER TABLE "ceremony_sessions" DROP CONSTRAINT "fk_ceremony_sessions_store"',
    );
    await queryRunner.query('ALTER TABLE "users" ALTER COLUMN "attributes" SET DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "audit_events" ALTER COLUMN "details" SET DEFAULT \'{}\'');
    await queryRunner.query('DROP INDEX "public"."uq_user_handles_rp_handle"');
    await queryRunner.query('DROP TABLE "user_handles"');
    await queryRunner.query('DROP INDEX "public"."uq_passkeys_rp_credential"');
    await queryRunner.query('DROP INDEX "public"."ix_passkeys_user_rp"');
    await queryRunner.query('DROP TABLE "passkeys"');
    await queryRunner.query('DROP INDEX "public"."ix_ceremony_sessions_expires"');
    await queryRunner.query('DROP TABLE "ceremony_sessions"');
  }
}
