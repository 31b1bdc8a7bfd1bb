import { PeriodicTask } from './periodic-task';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a periodic background task', () => {
  it('never runs twice at once; a call during a run queues one more run, later calls join it', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const task = new PeriodicTask(
      0,
      async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await tick(20);
        runs += 1;
        active -= 1;
      },
      () => undefined,
    );
    const first = task.runNow();
    await tick(5);
    const second = task.runNow();
    const third = task.runNow();
    expect(third).toBe(second);
    await Promise.all([first, second, third]);
    expect({ runs, maxActive }).toEqual({ runs: 2, maxActive: 1 });
  });

  it('runs on its interval until stopped, reports failures and keeps going', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const task = new PeriodicTask(
      10,
      async () => {
        runs += 1;
        if (runs === 2) throw new Error('boom');
      },
      (error) => errors.push(error),
    );
    task.start();
    await tick(80);
    await task.stop();
    const after = runs;
    await tick(40);
    expect(runs).toBe(after);
    expect(after).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('stop() waits for the run in progress; an interval of 0 means on demand only', async () => {
    let done = false;
    const task = new PeriodicTask(
      0,
      async () => {
        await tick(30);
        done = true;
      },
      () => undefined,
    );
    task.start();
    await tick(20);
    expect(done).toBe(false);
    const run = task.runNow();
    await task.stop();
    expect(done).toBe(true);
    await run;
  });

  it("hands a failed on-demand run's error to its caller", async () => {
    const task = new PeriodicTask(
      0,
      () => Promise.reject(new Error('no database')),
      () => undefined,
    );
    await expect(task.runNow()).rejects.toThrow('no database');
    await expect(task.runNow()).rejects.toThrow('no database');
  });
});
