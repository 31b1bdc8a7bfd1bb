/**
 * A watchdog for jest's worker processes: a test file whose worker stops answering must end the
 * run's wait with a stack trace, not hold CI until its own deadline.
 *
 * Why: three runs (one in CI, until its 90-minute deadline) waited forever on one e2e file while
 * the other worker finished everything else; every other file of those runs passed. jest's own
 * timeouts (30 s per test and hook) end any promise that never settles, so a file that never
 * ends means its worker's main thread stopped running its event loop: a synchronous loop or a
 * blocking call. Nothing of ours was found doing that, and 8 full runs did not reproduce it;
 * this catches it in the act.
 *
 * How: once per worker process, a thread (test/setup/watchdog-thread.mjs) watches a heartbeat
 * the main thread writes every second into shared memory. After `IDS_TEST_STALL_SECONDS`
 * (default 60; `off` disables it) without one, the thread prints on stderr, under "TEST WORKER
 * STALLED": the file, what Linux says of the main thread (running or waiting, and on what), every
 * thread's native stack (gdb, which .ci/run installs), and, when the main thread is running
 * JavaScript, its JavaScript stack, taken through the process inspector (SIGUSR1, on a port of
 * this worker's own, 127.0.0.1). It then ends the worker with exit code 75 (`process.exit`
 * through the inspector, or `_exit` through gdb when the main thread waits in the kernel):
 * jest-worker starts a new process and runs the same file again (it retries a worker that exits
 * with an error code, 3 times at most), so the run goes on with the evidence in its log. Without
 * gdb, a main thread blocked outside JavaScript is killed and the file fails.
 */
import * as inspector from 'node:inspector';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

interface Watch {
  /** [0]: the main thread's last heartbeat, in seconds since the epoch. */
  beat: Int32Array;
  /** The test file being run, UTF-8, 0-terminated. */
  file: Uint8Array;
}

const FILE_BYTES = 1024;

/**
 * Core modules are shared by every test file of a worker process (jest gives each file its own
 * registry for everything else): a core module's class is where the one watch is kept.
 */
const KEY = Symbol.for('identity-store.test-watchdog');
const shared = Worker as unknown as Record<symbol, Watch | undefined>;

/** A positive number of the environment, or the default (an empty or odd value never 0). */
function positiveSetting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Seconds of the monotonic clock (the same in every thread; a clock step is no stall). */
const seconds = () => Number(process.hrtime.bigint() / 1_000_000_000n);

function start(real: NodeJS.Process): Watch {
  const stallSeconds = positiveSetting(process.env.IDS_TEST_STALL_SECONDS, 60);
  const watch: Watch = {
    beat: new Int32Array(new SharedArrayBuffer(4)),
    file: new Uint8Array(new SharedArrayBuffer(FILE_BYTES)),
  };
  Atomics.store(watch.beat, 0, seconds());
  setInterval(() => Atomics.store(watch.beat, 0, seconds()), 1000).unref();
  // The port the inspector opens on if the thread needs it (SIGUSR1), one per worker process:
  // set on the real process (jest's `process` is a copy; the main context has the real one).
  real.debugPort = 20_000 + (real.pid % 40_000);
  // test/setup/overdue-reporter.mjs (jest's main process) sends this when a file has run far too
  // long while this worker's main thread still answers: end, and jest runs the file again
  real.on('SIGUSR2', () => real.exit(75));
  const thread = new Worker(join(__dirname, 'watchdog-thread.mjs'), {
    workerData: {
      beat: watch.beat,
      file: watch.file,
      stallSeconds,
      port: real.debugPort,
    },
  });
  thread.unref();
  return watch;
}

// Only in a jest worker process (it has jest's IPC channel), never under a debugger: in band
// (`--runInBand`, `--detectOpenHandles`) nothing would run the file again, and a breakpoint
// held for a minute is no stall.
const real = runInThisContext('process') as NodeJS.Process;
const inWorker = typeof real.send === 'function' && inspector.url() === undefined;
if (process.env.IDS_TEST_STALL_SECONDS !== 'off' && inWorker) {
  const watch = (shared[KEY] ??= start(real));
  const name = Buffer.from(`${expect.getState().testPath ?? '?'}\0`, 'utf8');
  watch.file.fill(0);
  watch.file.set(name.subarray(0, FILE_BYTES - 1));
}
