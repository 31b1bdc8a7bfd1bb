import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A passkey's backup eligibility (BE) may be unknown: an imported passkey whose source did not
 * record the flag. Its first verified sign-in records what the authenticator says (WebAuthn L3
 * §7.2: BE is compared with the stored value from then on); until then it is null. A registration
 * always records it.
 */
export class UnknownBackupEligibility1795800000000 implements MigrationInterface {
  name = 'UnknownBackupEligibility1795800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "passkeys" ALTER COLUMN "backup_eligible" DROP NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "passkeys" SET "backup_eligible" = "backed_up" WHERE "backup_eligible" IS NULL`,
    );
    await queryRunner.query(`ALTER TABLE "passkeys" ALTER COLUMN "backup_eligible" SET NOT NULL`);
  }
}
