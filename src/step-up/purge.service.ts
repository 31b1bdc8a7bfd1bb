import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { loggableMessage } from '../common/logging/error-serializer';
import { AuditChainService } from '../audit/audit-chain.service';
import { PurgeRepository, PurgeResult } from './purge.repository';

/**
 * Deletes expired ceremony sessions, transactions, nonces, rate-limit windows and audit events
 * past IDS_AUDIT_RETENTION_DAYS (expired rows after a grace
 * period, so late callers still get a precise "expired"; audit events as a prefix of each hash
 * chain, leaving an anchor). Several instances may run it: a try-lock lets one do the work per
 * round and the others skip.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly rows: PurgeRepository,
    private readonly auditChains: AuditChainService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.purgeIntervalSeconds === 0) return;
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) =>
        this.logger.warn(`purge failed: ${loggableMessage(error)}`),
      );
    }, this.config.purgeIntervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<PurgeResult> {
    const result = await this.rows.purge(this.config.purgeGraceSeconds);
    if (result.ran) {
      result.deleted.audit_events = await this.auditChains.purge(this.config.auditRetentionDays);
    }
    return result;
  }
}
