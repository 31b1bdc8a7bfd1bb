import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { loggableMessage } from '../common/logging/error-serializer';

const PURGE_LOCK = 7_241_004;

export interface PurgeResult {
  ran: boolean;
  deleted: Record<string, number>;
}

/**
 * Deletes expired ceremony sessions, transactions, nonces, rate-limit windows and audit events
 * past IDS_AUDIT_RETENTION_DAYS (expired rows after a grace
 * period, so late callers still get a precise "expired"). Several instances may run it: a
 * try-lock lets one do the work per round and the others skip.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
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
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        PURGE_LOCK,
      ]);
      if (!locked) return { ran: false, deleted: {} };
      try {
        const grace = this.config.purgeGraceSeconds;
        const deleted: Record<string, number> = {};
        for (const [table, column] of [
          ['ceremony_sessions', 'expires_at'],
          ['step_up_transactions', 'expires_at'],
          ['nonces', 'expires_at'],
        ]) {
          const [, count] = await runner.query(
            `DELETE FROM ${table} WHERE ${column} < now() - make_interval(secs => $1)`,
            [grace],
          );
          deleted[table] = count;
        }
        const [, windows] = await runner.query(
          `DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'`,
        );
        deleted.rate_limits = windows;
        const [, events] = await runner.query(
          'DELETE FROM audit_events WHERE occurred_at < now() - make_interval(days => $1)',
          [this.config.auditRetentionDays],
        );
        deleted.audit_events = events;
        return { ran: true, deleted };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
