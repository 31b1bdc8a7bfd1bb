import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-tenant rate limits of the ceremony and token routes (null: the server default). */
export class TenantRateLimits1795328980296 implements MigrationInterface {
  name = 'TenantRateLimits1795328980296';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "tenants" ADD "rate_limit_per_key" integer');
    await queryRunner.query('ALTER TABLE "tenants" ADD "rate_limit_per_ip" integer');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "tenants" DROP COLUMN "rate_limit_per_ip"');
    await queryRunner.query('ALTER TABLE "tenants" DROP COLUMN "rate_limit_per_key"');
  }
}
