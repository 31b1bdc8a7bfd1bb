/**
 * Background work of an instance that every instance runs (the audit sealer; a webhook
 * dispatcher would be the next): `work` runs every `intervalMs` after the previous run ended
 * (never two at once in one instance), on demand through `runNow()` (which joins a run in
 * progress and then runs once more, so it sees everything committed before the call), and is
 * awaited by `stop()` so that shutdown never cuts a run off its database. Coordination between
 * instances is the work's own business (an advisory lock, `FOR UPDATE SKIP LOCKED`).
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  /** The last run queued or in progress (never rejects). */
  private tail: Promise<void> = Promise.resolve();
  /** A run queued behind the one in progress, not started yet: later callers join it. */
  private queued?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts the timer; an interval of 0 leaves the task on demand only. */
  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tail;
  }

  /** Runs the work after the run in progress, if any; its failure is the caller's. */
  runNow(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.tail.then(async () => {
      this.queued = undefined;
      await this.work();
    });
    this.queued = run;
    this.tail = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runNow()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
