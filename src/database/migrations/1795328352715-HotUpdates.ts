import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rows that every sign-in updates (user, passkey, session) get room on their page, so that the
 * update can be HOT: no new entries in the users' seven indexes per authentication.
 */
export class HotUpdates1795328352715 implements MigrationInterface {
  name = 'HotUpdates1795328352715';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "users" SET (fillfactor = 85)');
    await queryRunner.query('ALTER TABLE "passkeys" SET (fillfactor = 85)');
    await queryRunner.query('ALTER TABLE "ceremony_sessions" SET (fillfactor = 70)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "ceremony_sessions" RESET (fillfactor)');
    await queryRunner.query('ALTER TABLE "passkeys" RESET (fillfactor)');
    await queryRunner.query('ALTER TABLE "users" RESET (fillfactor)');
  }
}
