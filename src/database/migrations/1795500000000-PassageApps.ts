import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passage apps: a Passkey Flex app id (the integrator's old one, or a new one) mapped to one
 * tenant, store, relying party and a registration and an authentication policy. The app id is
 * global: the keyless browser routes find the tenant by it. Nonces record the relying party and
 * policy of their ceremony (null for nonces minted before).
 */
export class PassageApps1795500000000 implements MigrationInterface {
  name = 'PassageApps1795500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "passage_apps" (
         "app_id" character varying(64) NOT NULL,
         "tenant_id" character varying(63) NOT NULL,
         "store_id" uuid NOT NULL,
         "relying_party_id" uuid NOT NULL,
         "name" character varying(200) NOT NULL,
         "registration_policy" character varying(63) NOT NULL,
         "authentication_policy" character varying(63) NOT NULL,
         "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "pk_passage_apps" PRIMARY KEY ("app_id"),
         CONSTRAINT "fk_passage_apps_tenant" FOREIGN KEY ("tenant_id")
           REFERENCES "tenants"("id") ON DELETE CASCADE,
         CONSTRAINT "fk_passage_apps_store" FOREIGN KEY ("store_id")
           REFERENCES "stores"("id") ON DELETE CASCADE,
         CONSTRAINT "fk_passage_apps_rp" FOREIGN KEY ("relying_party_id")
           REFERENCES "relying_parties"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_passage_apps_tenant_rp" ON "passage_apps" ("tenant_id", "relying_party_id")`,
    );
    // what a nonce's ceremony ran under, so that an app redeems only its own policies' nonces
    await queryRunner.query(
      `ALTER TABLE "nonces" ADD "relying_party_id" uuid, ADD "policy_name" character varying(63)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "nonces" DROP "relying_party_id", DROP "policy_name"`);
    await queryRunner.query(`DROP TABLE "passage_apps"`);
  }
}
