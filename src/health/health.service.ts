import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { HealthRepository } from './health.repository';

const READY_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  constructor(private readonly database: HealthRepository) {}

  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when the database answers within the timeout; a 503 problem otherwise. */
  async ready(): Promise<{ status: 'ok'; database: 'up' }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.database.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('database check timed out')), READY_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      throw new DomainError(ErrorCode.DATABASE_UNAVAILABLE, 'The database is not reachable', {
        cause: error,
        headers: { 'retry-after': '1' },
      });
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up' };
  }
}
