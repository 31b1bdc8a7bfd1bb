import type { Pool, PoolClient } from 'pg';

type ConnectCallback = (err: Error | undefined, client?: PoolClient, done?: () => void) => void;

/**
 * A checkout from the pool never waits longer than `ms`. pg-pool's own `connectionTimeoutMillis`
 * has races in which a checkout never settles while PostgreSQL restarts (node-postgres #3197,
 * #2338); a request waiting on it would hang, which the outage script saw once in CI. A
 * checkout that completes after the deadline hands its client straight back, so none leaks.
 */
export function boundPoolCheckout(pool: Pool, ms: number): void {
  const connect = pool.connect.bind(pool) as (callback: ConnectCallback) => void;
  const bounded = (callback?: ConnectCallback): Promise<PoolClient> | undefined => {
    if (!callback) {
      return new Promise<PoolClient>((resolve, reject) =>
        bounded((err, client) => (err ? reject(err) : resolve(client!))),
      );
    }
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      callback(new Error('timeout exceeded when trying to connect'));
    }, ms);
    timer.unref?.();
    connect((err, client, done) => {
      if (settled) {
        if (!err) done?.(); // too late for its caller: back to the pool
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(err, client, done);
    });
    return undefined;
  };
  (pool as unknown as { connect: typeof bounded }).connect = bounded;
}
