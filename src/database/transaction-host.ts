import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

/**
 * The one transaction mechanism of the app. `run` opens a transaction and carries its
 * EntityManager in an AsyncLocalStorage store, so everything awaited inside it (services,
 * repositories, the callbacks they are handed) joins the transaction without a manager being
 * passed down. A `run` inside a `run` joins the outer transaction (no savepoint).
 *
 * Repositories reach the database through `manager` (TypeORM) or `executor` (the prepared
 * statements helper): the current transaction's, else the pool's.
 */
@Injectable()
export class TransactionHost {
  private readonly storage = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in a transaction: commits when it resolves, rolls back when it throws.
   * `isolation` applies to a new transaction (e.g. one snapshot for a long read), not a joined one.
   */
  run<T>(work: () => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    if (this.current()) return work();
    const inside = (manager: EntityManager) => this.storage.run(manager, work);
    return isolation
      ? this.dataSource.transaction(isolation, inside)
      : this.dataSource.transaction(inside);
  }

  /** The current transaction's manager, else the DataSource's default manager. */
  get manager(): EntityManager {
    return this.current() ?? this.dataSource.manager;
  }

  /**
   * Where `runPrepared` sends a statement: outside a transaction the DataSource (straight to the
   * pool: no query runner per call, see prepared.ts), inside one the transaction's manager.
   */
  get executor(): DataSource | EntityManager {
    return this.current() ?? this.dataSource;
  }

  /**
   * A store whose runner is released belongs to a transaction that has ended (work that outlived
   * its `run`, e.g. a late callback): it is no transaction any more.
   */
  private current(): EntityManager | undefined {
    const manager = this.storage.getStore();
    return manager && !manager.queryRunner?.isReleased ? manager : undefined;
  }
}
