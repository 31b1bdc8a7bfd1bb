import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';

const PURGE_LOCK = 7_241_004;

export interface PurgeResult {
  ran: boolean;
  deleted: Record<string, number>;
}

/** Tables whose rows expire, and the column that says when. */
const EXPIRING: [table: string, column: string][] = [
  ['ceremony_sessions', 'expires_at'],
  ['step_up_transactions', 'expires_at'],
  ['nonces', 'expires_at'],
];

/**
 * The purge's SQL. Its rows belong to every tenant (a platform-wide clean-up): no tenant
 * parameter. It runs on one connection of its own, outside any transaction, so that each DELETE
 * commits by itself and the session-level try-lock is held and released on that connection.
 */
@Injectable()
export class PurgeRepository {
  constructor(private readonly host: TransactionHost) {}

  /**
   * Deletes expired rows older than `graceSeconds` and rate-limit windows older than an hour;
   * `ran: false` when another instance holds the lock. (Audit events go by retention through
   * their chains: AuditChainService.purge.)
   */
  async purge(graceSeconds: number): Promise<PurgeResult> {
    const runner = this.host.manager.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        PURGE_LOCK,
      ]);
      if (!locked) return { ran: false, deleted: {} };
      try {
        const deleted: Record<string, number> = {};
        for (const [table, column] of EXPIRING) {
          const [, count] = await runner.query(
            `/* cross-tenant: platform-job */
             DELETE FROM ${table} WHERE ${column} < now() - make_interval(secs => $1)`,
            [graceSeconds],
          );
          deleted[table] = count;
        }
        const [, windows] = await runner.query(
          `DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'`,
        );
        deleted.rate_limits = windows;
        return { ran: true, deleted };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
