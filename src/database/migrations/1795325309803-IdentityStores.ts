import { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityStores1795325309803 implements MigrationInterface {
  name = 'IdentityStores1795325309803';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "stores" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "name" character varying(63) NOT NULL, "description" character varying(1000), "default_locale" character varying(35) NOT NULL, "default_time_zone" character varying(64) NOT NULL, "default_user_status" character varying(16) NOT NULL, "max_failed_attempts" integer NOT NULL, "temp_lock_seconds" integer NOT NULL, "max_temp_locks_before_lock" integer NOT NULL, "user_count" integer NOT NULL DEFAULT \'0\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7aa6e7d71fa7acdd7ca43d7c9cb" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_stores_tenant_name" ON "stores"  ("tenant_id", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "relying_parties" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "store_id" uuid NOT NULL, "rp_id" character varying(253) NOT NULL, "name" character varying(200) NOT NULL, "origins" text array NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1d770324f52bcb5e74b5903cd35" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_relying_parties_store_rp_id" ON "relying_parties"  ("store_id", "rp_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "authentication_policies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "relying_party_id" uuid NOT NULL, "name" character varying(63) NOT NULL, "user_verification" character varying(16) NOT NULL, "timeout_ms" integer NOT NULL, "allow_external_challenge" boolean NOT NULL, "counter_policy" character varying(8) NOT NULL, "allow_discoverable" boolean NOT NULL, "hints" text array NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_aeaf725dd5e4cb3cf60fd95e68d" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_authentication_policies_rp_name" ON "authentication_policies"  ("relying_party_id", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "registration_policies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "relying_party_id" uuid NOT NULL, "name" character varying(63) NOT NULL, "authenticator_attachment" character varying(16), "resident_key" character varying(16) NOT NULL, "user_verification" character varying(16) NOT NULL, "attestation" character varying(16) NOT NULL, "timeout_ms" integer NOT NULL, "algorithms" integer array NOT NULL, "allow_external_challenge" boolean NOT NULL, "aaguid_allow_list" uuid array NOT NULL DEFAULT \'{}\', "exclude_existing_credentials" boolean NOT NULL, "hints" text array NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_448ca5af9940a54dc0f91953919" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_registration_policies_rp_name" ON "registration_policies"  ("relying_party_id", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63) NOT NULL, "store_id" uuid NOT NULL, "external_id" character varying(255) NOT NULL, "user_name" character varying(255) NOT NULL, "display_name" character varying(255) NOT NULL, "status" character varying(16) NOT NULL, "type" character varying(64) NOT NULL, "locale" character varying(35) NOT NULL, "time_zone" character varying(64) NOT NULL, "first_name" character varying(255), "last_name" character varying(255), "email" character varying(320), "attributes" jsonb NOT NULL DEFAULT \'{}\'::jsonb, "failed_attempts" integer NOT NULL DEFAULT \'0\', "lock_count" integer NOT NULL DEFAULT \'0\', "temp_locked_until" TIMESTAMP WITH TIME ZONE, "last_authenticated_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_users_store_status_created" ON "users"  ("store_id", "status", "created_at", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_users_store_created" ON "users"  ("store_id", "created_at", "id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_users_store_external_id" ON "users"  ("store_id", "external_id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "tenants" ADD "user_count" integer NOT NULL DEFAULT \'0\'',
    );
    await queryRunner.query(
      'ALTER TABLE "audit_events" ALTER COLUMN "details" SET DEFAULT \'{}\'::jsonb',
    );
    await queryRunner.query(
      'ALTER TABLE "stores" ADD CONSTRAINT "fk_stores_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "relying_parties" ADD CONSTRAINT "fk_relying_parties_store" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "authentication_policies" ADD CONSTRAINT "fk_authentication_policies_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "registration_policies" ADD CONSTRAINT "fk_registration_policies_rp" FOREIGN KEY ("relying_party_id") REFERENCES "relying_parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "users" ADD CONSTRAINT "fk_users_store" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    // expression indexes for the users list's case-insensitive filters and userName order (C collation: one index serves both LIKE 'x%' and ORDER BY)
    await queryRunner.query(
      'CREATE INDEX "ix_users_store_user_name_lower" ON "users" ("store_id", (lower("user_name") COLLATE "C"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_users_store_email_lower" ON "users" ("store_id", lower("email") text_pattern_ops)',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_users_store_display_name_lower" ON "users" ("store_id", lower("display_name") text_pattern_ops)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_users_store_display_name_lower"');
    await queryRunner.query('DROP INDEX "public"."ix_users_store_email_lower"');
    await queryRunner.query('DROP INDEX "public"."ix_users_store_user_name_lower"');
    await queryRunner.query('ALTER TABLE "users" DROP CONSTRAINT "fk_users_store"');
    await queryRunner.query(
      'ALTER TABLE "registration_policies" DROP CONSTRAINT "fk_registration_policies_rp"',
    );
    await queryRunner.query(
      'ALTER TABLE "authentication_policies" DROP CONSTRAINT "fk_authentication_policies_rp"',
    );
    await queryRunner.query(
      'ALTER TABLE "relying_parties" DROP CONSTRAINT "fk_relying_parties_store"',
    );
    await queryRunner.query('ALTER TABLE "stores" DROP CONSTRAINT "fk_stores_tenant"');
    await queryRunner.query('ALTER TABLE "audit_events" ALTER COLUMN "details" SET DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "tenants" DROP COLUMN "user_count"');
    await queryRunner.query('DROP INDEX "public"."uq_users_store_external_id"');
    await queryRunner.query('DROP INDEX "public"."ix_users_store_created"');
    await queryRunner.query('DROP INDEX "public"."ix_users_store_status_created"');
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('DROP INDEX "public"."uq_registration_policies_rp_name"');
    await queryRunner.query('DROP TABLE "registration_policies"');
    await queryRunner.query('DROP INDEX "public"."uq_authentication_policies_rp_name"');
    await queryRunner.query('DROP TABLE "authentication_policies"');
    await queryRunner.query('DROP INDEX "public"."uq_relying_parties_store_rp_id"');
    await queryRunner.query('DROP TABLE "relying_parties"');
    await queryRunner.query('DROP INDEX "public"."uq_stores_tenant_name"');
    await queryRunner.query('DROP TABLE "stores"');
  }
}
