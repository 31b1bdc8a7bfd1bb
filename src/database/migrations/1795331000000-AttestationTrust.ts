import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attestation trust: the FIDO metadata (global, one copy for every instance), the registration
 * policy's trust rules, and what each passkey's attestation proved.
 */
export class AttestationTrust1795331000000 implements MigrationInterface {
  name = 'AttestationTrust1795331000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "authenticator_metadata" (
         "aaguid" uuid NOT NULL,
         "source" character varying(16) NOT NULL,
         "description" character varying(255) NOT NULL,
         "statement" jsonb NOT NULL,
         "status_reports" jsonb NOT NULL DEFAULT '[]',
         "latest_status" character varying(64),
         "loaded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "pk_authenticator_metadata" PRIMARY KEY ("aaguid", "source"),
         CONSTRAINT "ck_authenticator_metadata_source" CHECK ("source" IN ('BLOB', 'STATEMENT')))`,
    );
    await queryRunner.query(
      `CREATE TABLE "metadata_blobs" (
         "id" smallint NOT NULL DEFAULT 1,
         "no" integer NOT NULL,
         "next_update" date NOT NULL,
         "entries" integer NOT NULL,
         "loaded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "pk_metadata_blobs" PRIMARY KEY ("id"),
         CONSTRAINT "ck_metadata_blobs_one_row" CHECK ("id" = 1))`,
    );
    await queryRunner.query(
      `ALTER TABLE "registration_policies"
         ADD "attestation_requirement" character varying(16) NOT NULL DEFAULT 'NONE',
         ADD "untrusted_attestation" character varying(16) NOT NULL DEFAULT 'RECORD',
         ADD "aaguid_deny_list" uuid array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "passkeys"
         ADD "attestation_verified" boolean NOT NULL DEFAULT false,
         ADD "attestation_trusted" boolean NOT NULL DEFAULT false,
         ADD "attestation_root_sha256" character varying(64),
         ADD "attestation_root_subject" character varying(1024),
         ADD "authenticator_name" character varying(255)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "passkeys" DROP COLUMN "authenticator_name", DROP COLUMN "attestation_root_subject",
         DROP COLUMN "attestation_root_sha256", DROP COLUMN "attestation_trusted", DROP COLUMN "attestation_verified"`,
    );
    await queryRunner.query(
      `ALTER TABLE "registration_policies" DROP COLUMN "aaguid_deny_list",
         DROP COLUMN "untrusted_attestation", DROP COLUMN "attestation_requirement"`,
    );
    await queryRunner.query('DROP TABLE "metadata_blobs"');
    await queryRunner.query('DROP TABLE "authenticator_metadata"');
  }
}
