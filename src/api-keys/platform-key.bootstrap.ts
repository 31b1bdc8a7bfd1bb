import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { generateApiKey, hashSecret } from '../auth/api-key-secret';
import { formatPermission } from '../auth/permissions';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { ApiKeyEntity, ApiKeyStatus } from './api-key.entity';

/** Fixed id of the platform key that IDS_PLATFORM_API_KEY configures. */
export const CONFIGURED_PLATFORM_KEY_ID = '00000000-0000-4000-8000-000000000001';
const PLATFORM_LOCK = 7_241_003;
export const PLATFORM_PERMISSIONS = [formatPermission('*', '*')];

/**
 * At start: IDS_PLATFORM_API_KEY becomes (or replaces) the configured platform key; without it,
 * the first start of a database generates one and prints it once. Only hashes are stored.
 */
@Injectable()
export class PlatformKeyBootstrap implements OnApplicationBootstrap {
  constructor(
    private readonly host: TransactionHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const printed = await this.host.run(async () => {
      await this.host.manager.query('SELECT pg_advisory_xact_lock($1)', [PLATFORM_LOCK]);
      const repo = this.host.manager.getRepository(ApiKeyEntity);
      const base = {
        tenantId: null,
        description: 'Platform key: provisions tenants',
        status: ApiKeyStatus.ACTIVE,
        permissions: PLATFORM_PERMISSIONS,
        isPlatform: true,
        expiresAt: null,
        lastUsedAt: null,
        createdBy: null,
      };
      if (this.config.platformApiKey) {
        await repo.upsert(
          {
            ...base,
            id: CONFIGURED_PLATFORM_KEY_ID,
            name: 'platform (IDS_PLATFORM_API_KEY)',
            secretHash: hashSecret(this.config.platformApiKey),
          },
          ['id'],
        );
        return undefined;
      }
      if ((await repo.count({ where: { isPlatform: true } })) > 0) return undefined;
      const generated = generateApiKey();
      await repo.insert({
        ...base,
        id: generated.id,
        name: 'platform (generated)',
        secretHash: generated.hash,
      });
      return generated.key;
    });
    if (printed) {
      // Printed once, to the terminal only (never through the logger): it is not stored anywhere.
      process.stderr.write(
        `\n  Generated the platform API key (shown once; only its hash is stored):\n\n    ${printed}\n\n` +
          '  Use it as X-Api-Key to create tenants, or set IDS_PLATFORM_API_KEY instead.\n\n',
      );
    }
  }
}
