import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook endpoint's previous signing secret, kept for an overlap after a rotation: deliveries
 * are signed with both (Standard Webhooks: space-separated signatures), so a receiver can switch
 * secrets without losing or double-processing any event.
 */
export class WebhookSecretRotation1796000000000 implements MigrationInterface {
  name = 'WebhookSecretRotation1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoints" ADD "previous_secret_sealed" text,
         ADD "previous_secret_until" TIMESTAMP WITH TIME ZONE`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoints" DROP COLUMN "previous_secret_sealed",
         DROP COLUMN "previous_secret_until"`,
    );
  }
}
