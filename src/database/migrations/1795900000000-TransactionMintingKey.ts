import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API key that minted a step-up transaction, and which secret it had (null: minted without a
 * key, by a browser's username-less start). The transaction is refused while that key is not
 * usable (blocked, archived, expired, deleted) or holds another secret, as its bearer tokens are.
 * No foreign key: a deleted key's id must stay, to refuse.
 */
export class TransactionMintingKey1795900000000 implements MigrationInterface {
  name = 'TransactionMintingKey1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "step_up_transactions" ADD "minted_by_key_id" uuid,
         ADD "minted_by_key_fingerprint" character varying(32)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "step_up_transactions" DROP COLUMN "minted_by_key_id",
         DROP COLUMN "minted_by_key_fingerprint"`,
    );
  }
}
