/* global setInterval, clearInterval */
// The main process's half of the test watchdog (test/setup/watchdog.ts has the workers' half).
//
// A worker whose main thread is blocked is caught inside the worker. This catches the other way
// a run can wait forever: a file that jest believes is running while its worker does nothing
// (the file's request lost between jest and its worker). No file of ours takes more than a
// minute or two; one that has run for IDS_TEST_OVERDUE_MINUTES (default 10) is reported, and
// every worker is sent SIGUSR2, on which a worker ends itself with exit code 75 (watchdog.ts):
// jest-worker starts a new process for each and runs again the file each had, the overdue one
// included. Three minutes later, if it is still running, the workers are killed: the file fails
// and the run ends instead of waiting for CI's deadline.
import { readFileSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';

const setting = Number(process.env.IDS_TEST_OVERDUE_MINUTES);
/** An empty or odd value is the default, never 0 (which would signal every worker at once). */
const minutes =
  process.env.IDS_TEST_OVERDUE_MINUTES?.trim() && Number.isFinite(setting) && setting > 0
    ? setting
    : 10;

/** The jest workers of this process: pid, state, and whether they catch SIGUSR2 (from /proc). */
function workers() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('jest-worker')) continue;
      const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      // SIGUSR2 is signal 12: bit 11 of the mask
      const usr2 = caught ? (BigInt(`0x${caught[1]}`) >> 11n) & 1n : 0n;
      found.push({ pid: Number(entry), state: fields[0], usr2: usr2 === 1n });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export default class OverdueReporter {
  constructor() {
    this.running = new Map(); // path → { since, signalled }
    this.timer = undefined;
  }

  onTestFileStart(test) {
    this.running.set(test.path, { since: Date.now(), signalled: 0 });
    if (!this.timer) {
      this.timer = setInterval(() => {
        try {
          this.check();
        } catch (error) {
          // a guard must never break jest's own reporting (no /proc, say)
          process.stderr.write(`overdue-reporter: ${error}\n`);
        }
      }, 15_000);
      this.timer.unref();
    }
  }

  onTestFileResult(test) {
    this.running.delete(test.path);
  }

  onRunComplete() {
    clearInterval(this.timer);
  }

  check() {
    const now = Date.now();
    for (const [path, file] of this.running) {
      const ran = (now - file.since) / 60_000;
      let signal;
      if (ran >= minutes && file.signalled === 0) signal = 'SIGUSR2';
      else if (ran >= minutes + 3 && file.signalled === 1) signal = 'SIGKILL';
      else continue;
      file.signalled += 1;
      // a worker that has run no e2e file has no SIGUSR2 handler (the signal would kill it)
      const list = workers().filter((w) => signal === 'SIGKILL' || w.usr2);
      process.stderr.write(
        `\n==== TEST FILE OVERDUE: ${relative(process.cwd(), path)} has run for ` +
          `${ran.toFixed(1)} min; workers ${list.map((w) => `${w.pid} (${w.state})`).join(', ')} ` +
          `${signal === 'SIGUSR2' ? 'end themselves and their files run again' : 'are killed'} ` +
          `(test/setup/overdue-reporter.mjs)\n`,
      );
      for (const { pid } of list) {
        try {
          process.kill(pid, signal);
        } catch {
          // gone meanwhile
        }
      }
    }
  }
}
