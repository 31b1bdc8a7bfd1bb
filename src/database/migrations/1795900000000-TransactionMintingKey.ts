import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API key that minted a step-up transaction (null: minted without one, by a browser's
 * username-less start). Blocking, archiving, expiring or deleting that key ends the transactions
 * it made, as it ends its bearer tokens. No foreign key: a deleted key's id must stay, to refuse.
 */
export class TransactionMintingKey1795900000000 implements MigrationInterface {
  name = 'TransactionMintingKey1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "step_up_transactions" ADD "minted_by_key_id" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "step_up_transactions" DROP COLUMN "minted_by_key_id"`);
  }
}
