import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { generateApiKey, hashSecret } from '../auth/api-key-secret';
import { formatPermission } from '../auth/permissions';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { ApiKeyStatus } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';

/** Fixed id of the platform key that IDS_PLATFORM_API_KEY configures. */
export const CONFIGURED_PLATFORM_KEY_ID = '00000000-0000-4000-8000-000000000001';
export const PLATFORM_PERMISSIONS = [formatPermission('*', '*')];

function platformKeyRequired(): Error {
  return new Error(
    'IDS_PLATFORM_API_KEY is required for the first start in production (at least 32 characters, e.g. `openssl rand -base64 32`): a generated key would only be shown in the log',
  );
}

/**
 * At start: IDS_PLATFORM_API_KEY becomes (or replaces) the configured platform key, and any other
 * active platform key (the one a first start generated, printed to a terminal or a container's
 * log) is blocked: setting the variable is how an operator takes platform access back. Without
 * it, the first start of a database generates one and prints it once, except in production,
 * which refuses to start instead. Only hashes are stored.
 */
@Injectable()
export class PlatformKeyBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('PlatformKey');

  constructor(
    private readonly host: TransactionHost,
    private readonly repository: ApiKeysRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const printed = await this.host.run(async () => {
      await this.repository.lockPlatformBootstrap();
      const base = {
        description: 'Platform key: provisions tenants',
        status: ApiKeyStatus.ACTIVE,
        permissions: PLATFORM_PERMISSIONS,
        expiresAt: null,
        lastUsedAt: null,
        createdBy: null,
      };
      if (this.config.platformApiKey) {
        await this.repository.upsertPlatformKey({
          ...base,
          id: CONFIGURED_PLATFORM_KEY_ID,
          name: 'platform (IDS_PLATFORM_API_KEY)',
          secretHash: hashSecret(this.config.platformApiKey),
        });
        const blocked = await this.repository.blockOtherPlatformKeys(CONFIGURED_PLATFORM_KEY_ID);
        if (blocked > 0) {
          this.logger.warn(
            `IDS_PLATFORM_API_KEY is set: blocked ${blocked} other platform key(s) (the generated one)`,
          );
        }
        return undefined;
      }
      if (await this.repository.hasPlatformKey()) return undefined;
      // a production process's standard error is a log that is shipped and kept: a key with
      // every permission is never written there (found by review)
      if (this.config.nodeEnv === 'production') throw platformKeyRequired();
      const generated = generateApiKey();
      await this.repository.insertPlatformKey({
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
