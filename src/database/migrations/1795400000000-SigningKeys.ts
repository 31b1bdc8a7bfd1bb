import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Results an integrator can verify: each tenant's ES256 signing keys (private halves sealed
 * under the KEK), the platform token key sealed too (the clear column is emptied at boot, where
 * the KEK is known), and step-up transaction data with what the nonce proved.
 */
export class SigningKeys1795400000000 implements MigrationInterface {
  name = 'SigningKeys1795400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "tenant_signing_keys" (
         "tenant_id" character varying(63) NOT NULL,
         "kid" character varying(64) NOT NULL,
         "algorithm" character varying(16) NOT NULL,
         "private_key_sealed" text NOT NULL,
         "public_jwk" jsonb NOT NULL,
         "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "retired_at" TIMESTAMP WITH TIME ZONE,
         "expires_at" TIMESTAMP WITH TIME ZONE,
         CONSTRAINT "pk_tenant_signing_keys" PRIMARY KEY ("tenant_id", "kid"),
         CONSTRAINT "fk_tenant_signing_keys_tenant" FOREIGN KEY ("tenant_id")
           REFERENCES "tenants"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_tenant_signing_keys_current" ON "tenant_signing_keys" ("tenant_id")
         WHERE "retired_at" IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "signing_keys" ADD "private_key_sealed" text, ADD "expires_at" TIMESTAMP WITH TIME ZONE,
         ALTER COLUMN "private_key" DROP NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "signing_keys" ADD CONSTRAINT "ck_signing_keys_private_key"
         CHECK ("private_key" IS NOT NULL OR "private_key_sealed" IS NOT NULL)`,
    );
    await queryRunner.query(`ALTER TABLE "step_up_transactions" ADD "transaction_data" text`);
    await queryRunner.query(
      `ALTER TABLE "nonces" ADD "transaction_data" text, ADD "result_token" text, ADD "proof" jsonb`,
    );
    // nonces minted before this version: what they proved, from their rows
    await queryRunner.query(
      `UPDATE "nonces" n SET "proof" = (
         SELECT jsonb_build_object(
           'tenantId', n.tenant_id, 'storeName', s.name, 'rpId', t.rp_id,
           'kind', CASE n.kind WHEN 'register' THEN 'registration' ELSE 'authentication' END,
           'userId', n.user_id, 'externalId', n.external_id, 'passkeyId', n.passkey_id,
           'userVerified', n.user_verified, 'backedUp', n.backed_up,
           'backupEligible', coalesce(k.backup_eligible, false), 'aaguid', k.aaguid,
           'attestation', CASE WHEN k.id IS NULL THEN NULL ELSE jsonb_build_object(
             'format', k.attestation_format, 'verified', k.attestation_verified,
             'trusted', k.attestation_trusted) END,
           'transactionId', n.transaction_id, 'transactionDataHash', NULL)
           FROM "stores" s JOIN "step_up_transactions" t ON t.id = n.transaction_id
           LEFT JOIN "passkeys" k ON k.id = n.passkey_id
          WHERE s.id = n.store_id)`,
    );
    await queryRunner.query(`DELETE FROM "nonces" WHERE "proof" IS NULL`);
    await queryRunner.query(
      `ALTER TABLE "nonces" ADD CONSTRAINT "ck_nonces_result"
         CHECK ("result_token" IS NOT NULL OR "proof" IS NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "nonces" DROP CONSTRAINT "ck_nonces_result", DROP COLUMN "proof",
         DROP COLUMN "result_token", DROP COLUMN "transaction_data"`,
    );
    await queryRunner.query(`ALTER TABLE "step_up_transactions" DROP COLUMN "transaction_data"`);
    await queryRunner.query(
      `ALTER TABLE "signing_keys" DROP CONSTRAINT "ck_signing_keys_private_key"`,
    );
    // sealed-only keys cannot go back to clear without the KEK: they are dropped (tokens re-issue)
    await queryRunner.query(`DELETE FROM "signing_keys" WHERE "private_key" IS NULL`);
    await queryRunner.query(
      `ALTER TABLE "signing_keys" DROP COLUMN "expires_at", DROP COLUMN "private_key_sealed", ALTER COLUMN "private_key" SET NOT NULL`,
    );
    await queryRunner.query(`DROP TABLE "tenant_signing_keys"`);
  }
}
