import { MigrationInterface, QueryRunner } from 'typeorm';

export class Tenancy1795324672655 implements MigrationInterface {
  name = 'Tenancy1795324672655';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "tenants" ("id" character varying(63) NOT NULL, "name" character varying(200) NOT NULL, "status" character varying(16) NOT NULL DEFAULT \'ACTIVE\', "max_stores" integer NOT NULL, "max_users" integer NOT NULL, "max_passkeys_per_user" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_53be67a04681c66b87ee27c9321" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "api_keys" ("id" uuid NOT NULL, "tenant_id" character varying(63), "name" character varying(200) NOT NULL, "description" character varying(1000), "status" character varying(16) NOT NULL, "permissions" text array NOT NULL, "secret_hash" bytea NOT NULL, "is_platform" boolean NOT NULL DEFAULT false, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_api_keys_tenant_created" ON "api_keys"  ("tenant_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" character varying(63), "type" character varying(64) NOT NULL, "actor_key_id" uuid, "request_id" character varying(128), "ip" character varying(64), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "details" jsonb NOT NULL DEFAULT \'{}\'::jsonb, CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_audit_events_tenant_type_time" ON "audit_events"  ("tenant_id", "type", "occurred_at") ',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_audit_events_tenant_time" ON "audit_events"  ("tenant_id", "occurred_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "signing_keys" ("kid" character varying(64) NOT NULL, "algorithm" character varying(16) NOT NULL, "private_key" text NOT NULL, "public_jwk" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_13362ac3e792c69417e1a53d355" PRIMARY KEY ("kid"))',
    );
    await queryRunner.query(
      'ALTER TABLE "api_keys" ADD CONSTRAINT "fk_api_keys_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "api_keys" DROP CONSTRAINT "fk_api_keys_tenant"');
    await queryRunner.query('DROP TABLE "signing_keys"');
    await queryRunner.query('DROP INDEX "public"."ix_audit_events_tenant_time"');
    await queryRunner.query('DROP INDEX "public"."ix_audit_events_tenant_type_time"');
    await queryRunner.query('DROP TABLE "audit_events"');
    await queryRunner.query('DROP INDEX "public"."ix_api_keys_tenant_created"');
    await queryRunner.query('DROP TABLE "api_keys"');
    await queryRunner.query('DROP TABLE "tenants"');
  }
}
