/* global Buffer, URL, setTimeout, setInterval, clearInterval */
/**
 * The watchdog thread of test/setup/watchdog.ts (plain JavaScript: a worker thread is not
 * transformed by jest). It watches the main thread's heartbeat; when it has stopped for
 * `stallSeconds`, it says where the main thread is and ends the process with exit code 75.
 *
 * Where: what Linux says of the main thread (state, CPU time, wait channel, system call), then
 * its JavaScript stack through the inspector. A thread's own inspector session cannot reach a
 * blocked main thread (`Session.connectToMainThread` waits for the main event loop), but the
 * process inspector that SIGUSR1 starts serves from a thread of its own and pauses JavaScript
 * even in a busy loop: this thread connects to it over a WebSocket (node 20 has no WebSocket
 * client, hence the few lines below; messages are small JSON, never fragmented).
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { workerData } from 'node:worker_threads';

const { beat, file, stallSeconds, port } = workerData;
const say = (text) => writeSync(2, `${text}\n`);
/** Seconds of the monotonic clock, as the main thread writes them (test/setup/watchdog.ts). */
const now = () => Number(process.hrtime.bigint() / 1_000_000_000n);
const fileName = () => Buffer.from(file).toString('utf8').split('\0')[0];

/** The main thread as /proc tells it (its thread id is the process id). */
function linuxView() {
  const read = (name) => {
    try {
      return readFileSync(`/proc/self/task/${process.pid}/${name}`, 'utf8').trim();
    } catch (error) {
      return `(${error.code})`;
    }
  };
  const stat = read('stat');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0],
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    wchan: read('wchan'),
    syscall: read('syscall'),
  };
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error);
          }
        });
      })
      .on('error', reject);
  });
}

/** A WebSocket client of the inspector: send(JSON), onMessage(JSON). */
function connect(url, onMessage) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname, () => {
      socket.write(
        `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
          `Sec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const send = (message) => {
      const payload = Buffer.from(JSON.stringify(message));
      const mask = crypto.randomBytes(4);
      const length = payload.length;
      const head =
        length < 126
          ? Buffer.from([0x81, 0x80 | length])
          : length < 65536
            ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 255])
            : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigEndian64(length)]);
      const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
      socket.write(Buffer.concat([head, mask, masked]));
    };
    let buffer = Buffer.alloc(0);
    let open = false;
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      if (!open) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        open = true;
        buffer = buffer.subarray(end + 4);
        resolve(send);
      }
      for (;;) {
        if (buffer.length < 2) return;
        let length = buffer[1] & 127;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        onMessage(JSON.parse(payload.toString('utf8')));
      }
    });
    socket.on('error', reject);
  });
}

function bigEndian64(n) {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(n));
  return bytes;
}

/** gdb attached to this process (root, or a child of ours: ptrace allows it), its output. */
function runGdb(gdb, commands) {
  const args = ['-p', String(process.pid), '-batch', '-nx'];
  for (const command of commands) args.push('-ex', command);
  // gdb itself may crash once the process it called `_exit` in is gone: no core file from it,
  // and none in the project's folder
  const run = spawnSync('/bin/sh', ['-c', 'ulimit -c 0; exec "$0" "$@"', gdb, ...args], {
    cwd: tmpdir(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const failed = run.error?.message ?? (run.status === 0 ? '' : `exit ${run.status}`);
  return `${run.stdout ?? ''}${failed ? `\n(gdb: ${failed}: ${(run.stderr ?? '').slice(-300)})` : ''}`;
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function stalled(seconds) {
  say(
    `\n==== TEST WORKER STALLED: pid ${process.pid}, file ${fileName()}: its main thread ran ` +
      `no event loop for ${seconds} s (test/setup/watchdog.ts)`,
  );
  const before = linuxView();
  await delay(2000);
  const after = linuxView();
  say(
    `==== main thread: state ${after.state}, CPU ${after.cpuTicks - before.cpuTicks} ticks in ` +
      `the last 2 s, wait channel ${after.wchan}, system call ${after.syscall}`,
  );
  const gdb = ['/usr/bin/gdb', '/usr/local/bin/gdb'].find((path) => existsSync(path));
  if (gdb) {
    // every thread's native stack: who holds what the main thread waits for
    const stacks = runGdb(gdb, ['set pagination off', 'thread apply all bt 24']);
    const lines = stacks.split('\n').filter((line) => /^(Thread|#|\(gdb)/.test(line));
    say(`==== native stacks (gdb):\n${lines.slice(0, 400).join('\n')}`);
  }
  const busy = after.state === 'R' || after.cpuTicks > before.cpuTicks;
  if (!busy) {
    // blocked in the kernel (a lock, a wait): no JavaScript runs to take a stack or to exit
    if (!gdb) throw new Error('blocked outside JavaScript and no gdb to end it');
    say('==== ending the worker (exit code 75, through gdb): jest runs the file again');
    runGdb(gdb, ['thread 1', 'call (void)_exit(75)']);
    await delay(10_000);
    throw new Error('_exit(75) through gdb did not end the process');
  }
  process.kill(process.pid, 'SIGUSR1'); // the process inspector, on `port`
  let list;
  for (let i = 0; i < 20 && !list; i++) {
    await delay(250);
    list = await getJson(`http://127.0.0.1:${port}/json/list`).catch(() => undefined);
  }
  if (!list?.[0]) throw new Error(`no inspector on port ${port}`);
  let id = 0;
  let send;
  /** scriptId → url (jest's scripts have their file name there, not in the frame). */
  const scripts = new Map();
  const paused = new Promise((resolve, reject) => {
    connect(list[0].webSocketDebuggerUrl, (message) => {
      if (message.method === 'Debugger.scriptParsed')
        scripts.set(message.params.scriptId, message.params.url);
      if (message.method === 'Debugger.paused') resolve({ frames: message.params.callFrames });
    }).then((connected) => {
      send = connected;
      send({ id: ++id, method: 'Debugger.enable' });
      send({ id: ++id, method: 'Debugger.pause' });
    }, reject);
  });
  const where = await Promise.race([paused, delay(20_000)]);
  if (!where)
    throw new Error('the main thread did not pause within 20 s (blocked outside JavaScript)');
  for (const frame of where.frames.slice(0, 40)) {
    const at = frame.location;
    say(
      `    at ${frame.functionName || '<anonymous>'} (${frame.url || scripts.get(at.scriptId) || '?'}:${at.lineNumber + 1}:${at.columnNumber + 1})`,
    );
  }
  say('==== ending the worker (exit code 75): jest runs the file again in a new worker');
  send({
    id: ++id,
    method: 'Debugger.evaluateOnCallFrame',
    params: { callFrameId: where.frames[0].callFrameId, expression: 'process.exit(75)' },
  });
  await delay(10_000);
  throw new Error('process.exit(75) did not end the process');
}

const timer = setInterval(() => {
  const seconds = now() - Atomics.load(beat, 0);
  if (seconds < stallSeconds) return;
  clearInterval(timer);
  stalled(seconds).catch((error) => {
    say(`==== watchdog: ${error.message}: the worker is killed, the file fails`);
    process.kill(process.pid, 'SIGKILL');
  });
}, 1000);
