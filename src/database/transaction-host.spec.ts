import type { DataSource, EntityManager } from 'typeorm';
import { TransactionHost } from './transaction-host';

/** A stand-in DataSource: `transaction` calls back with a fresh fake manager, as TypeORM does. */
function fakeDataSource() {
  const opened: { name: string; queryRunner: { isReleased: boolean } }[] = [];
  const defaultManager = { name: 'default' };
  const dataSource = {
    manager: defaultManager,
    async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
      const manager = { name: `tx${opened.length + 1}`, queryRunner: { isReleased: false } };
      opened.push(manager);
      try {
        return await work(manager as unknown as EntityManager);
      } finally {
        manager.queryRunner.isReleased = true;
      }
    },
  };
  const host = new TransactionHost(dataSource as unknown as DataSource);
  const nameOf = (m: unknown) => (m as { name: string }).name;
  return { host, dataSource, defaultManager, opened, nameOf };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('TransactionHost', () => {
  it('outside a run: the default manager, and the DataSource itself for prepared statements', () => {
    const { host, dataSource, defaultManager } = fakeDataSource();
    expect(host.manager).toBe(defaultManager);
    expect(host.executor).toBe(dataSource);
  });

  it("inside a run: the transaction's manager for both, across awaits; the default again after it", async () => {
    const { host, defaultManager, opened, nameOf } = fakeDataSource();
    const seen = await host.run(async () => {
      const before = nameOf(host.manager);
      await tick();
      return [before, nameOf(host.manager), nameOf(host.executor)];
    });
    expect(seen).toEqual(['tx1', 'tx1', 'tx1']);
    expect(opened).toHaveLength(1);
    expect(host.manager).toBe(defaultManager);
  });

  it('a nested run joins the outer transaction instead of opening another', async () => {
    const { host, opened, nameOf } = fakeDataSource();
    const inner = await host.run(async () => {
      await tick();
      return host.run(async () => nameOf(host.manager));
    });
    expect(inner).toBe('tx1');
    expect(opened).toHaveLength(1);
  });

  it('a callback handed into a run (an onSuccess hook) sees the transaction', async () => {
    const { host, nameOf } = fakeDataSource();
    const hook = async () => nameOf(host.manager);
    const complete = (onSuccess: () => Promise<string>) => host.run(async () => onSuccess());
    await expect(complete(hook)).resolves.toBe('tx1');
  });

  it("concurrent runs do not see each other's manager", async () => {
    const { host, opened, nameOf } = fakeDataSource();
    const observe = () =>
      host.run(async () => {
        const seen: string[] = [];
        for (let i = 0; i < 5; i++) {
          seen.push(nameOf(host.manager));
          await tick();
        }
        return seen;
      });
    const [a, b] = await Promise.all([observe(), observe()]);
    expect(opened).toHaveLength(2);
    expect(new Set(a)).toEqual(new Set(['tx1']));
    expect(new Set(b)).toEqual(new Set(['tx2']));
  });

  it('a failure inside the work rejects the run (the DataSource rolls back)', async () => {
    const { host } = fakeDataSource();
    await expect(
      host.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('a transaction whose connection was lost mid-work fails its next statement (503), never runs it on the pool', async () => {
    const { host, opened } = fakeDataSource();
    const run = host.run(async () => {
      await tick();
      // the connection broke: TypeORM released the runner while the work goes on
      opened[0].queryRunner.isReleased = true;
      return host.executor;
    });
    await expect(run).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });

  it('work that outlives its run no longer sees the ended transaction', async () => {
    const { host, defaultManager, nameOf } = fakeDataSource();
    let late: Promise<unknown> | undefined;
    await host.run(async () => {
      late = tick().then(() => host.manager);
      return nameOf(host.manager);
    });
    await expect(late).resolves.toBe(defaultManager);
  });
});
