import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { DomainError, ErrorCode } from '../common/errors';

/**
 * The one transaction mechanism of the app. `run` opens a transaction and carries its
 * EntityManager in an AsyncLocalStorage store, so everything awaited inside it (services,
 * repositories, the callbacks they are handed) joins the transaction without a manager being
 * passed down. A `run` inside a `run` joins the outer transaction (no savepoint).
 *
 * Repositories reach the database through `manager` (TypeORM) or `executor` (the prepared
 * statements helper): the current transaction's, else the pool's.
 */
/** A transaction as the work inside it sees it; `ended` once its `run` has settled. */
interface RunState {
  manager: EntityManager;
  ended: boolean;
}

@Injectable()
export class TransactionHost {
  private readonly storage = new AsyncLocalStorage<RunState>();
  /** Transactions begun by `run` and not settled yet. */
  private running = 0;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in a transaction: commits when it resolves, rolls back when it throws.
   * `isolation` applies to a new transaction (e.g. one snapshot for a long read), not a joined one.
   */
  run<T>(work: () => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    if (this.current()) return work();
    this.running++;
    let state: RunState | undefined;
    const inside = (manager: EntityManager) => {
      state = { manager, ended: false };
      return this.storage.run(state, work);
    };
    const running = isolation
      ? this.dataSource.transaction(isolation, inside)
      : this.dataSource.transaction(inside);
    return running.finally(() => {
      if (state) state.ended = true;
      // On Node 20 an enabled AsyncLocalStorage makes every promise of the process pay a hook
      // (async ids, the store carried to each new promise), and it stays enabled for good once
      // used. The hot path runs no transaction, so with none running the storage is disabled
      // (the next `run` enables it again): what is left of an ended transaction finds no store,
      // as it would find an ended one.
      if (--this.running === 0) this.storage.disable();
    });
  }

  /**
   * Runs `work` as if no transaction were running: its statements and its own `run`s go to the
   * pool and commit by themselves, whatever the caller's transaction does later. For what must
   * not share the caller's fate (a tenant's first signing key, cached and used by every request
   * once made).
   */
  apart<T>(work: () => Promise<T>): Promise<T> {
    return this.storage.exit(work);
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
   * The transaction of the work that asks. Work that outlived its `run` (a late callback) is in
   * no transaction any more. A transaction whose connection was released while its work still
   * runs (the connection broke: the server restarted, a failover) is lost: the next statement
   * fails as DATABASE_UNAVAILABLE (503) instead of running on the pool outside the transaction,
   * where it would write half of a change (or meet a row the lost transaction never committed).
   */
  private current(): EntityManager | undefined {
    const state = this.storage.getStore();
    if (!state || state.ended) return undefined;
    if (state.manager.queryRunner?.isReleased) throw transactionLost();
    return state.manager;
  }
}

function transactionLost(): DomainError {
  return new DomainError(
    ErrorCode.DATABASE_UNAVAILABLE,
    "The database connection of this request's transaction was lost; retry shortly",
    { headers: { 'retry-after': '1' } },
  );
}
