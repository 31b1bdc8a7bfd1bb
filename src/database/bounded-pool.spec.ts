import type { Pool, PoolClient } from 'pg';
import { boundPoolCheckout } from './bounded-pool';

type Callback = (err: Error | undefined, client?: PoolClient, done?: () => void) => void;

/** A stand-in for pg-pool's checkout whose timing the test controls. */
function poolWhoseCheckout(behaviour: (callback: Callback) => void): Pool {
  return { connect: (callback: Callback) => behaviour(callback) } as unknown as Pool;
}

const client = { id: 'client' } as unknown as PoolClient;

describe('bounded pool checkout', () => {
  it('fails a checkout that never settles, in both calling styles', async () => {
    const pool = poolWhoseCheckout(() => undefined);
    boundPoolCheckout(pool, 20);
    await expect(pool.connect()).rejects.toThrow('timeout exceeded when trying to connect');
    const err = await new Promise<Error | undefined>((resolve) =>
      (pool.connect as unknown as (cb: Callback) => void)((e) => resolve(e)),
    );
    expect(err?.message).toBe('timeout exceeded when trying to connect');
  });

  it('hands a client that arrives after the deadline back to the pool, and answers once', async () => {
    const done = jest.fn();
    const pool = poolWhoseCheckout((callback) =>
      setTimeout(() => callback(undefined, client, done), 40),
    );
    boundPoolCheckout(pool, 10);
    const answers: unknown[] = [];
    (pool.connect as unknown as (cb: Callback) => void)((err, c) => answers.push(err ?? c));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(answers).toHaveLength(1);
    expect(answers[0]).toBeInstanceOf(Error);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('passes a timely checkout and its error through untouched', async () => {
    const ok = poolWhoseCheckout((callback) => callback(undefined, client, () => undefined));
    boundPoolCheckout(ok, 1000);
    await expect(ok.connect()).resolves.toBe(client);
    const failing = poolWhoseCheckout((callback) => callback(new Error('ECONNREFUSED')));
    boundPoolCheckout(failing, 1000);
    await expect(failing.connect()).rejects.toThrow('ECONNREFUSED');
  });
});
