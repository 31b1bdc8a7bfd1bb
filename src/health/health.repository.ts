import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';

/** The readiness probe's one statement. */
@Injectable()
export class HealthRepository {
  constructor(private readonly host: TransactionHost) {}

  /** Resolves when the database answers a trivial query. */
  async ping(): Promise<void> {
    await this.host.manager.query('SELECT 1');
  }
}
