/**
 * The failover phase of `npm run reliability`: a PostgreSQL 15 primary with a synchronous
 * streaming standby (Debian's binaries), the service on a libpq multi-host DATABASE_URL
 * (`target_session_attrs=read-write`). Under a registration and authentication load the primary
 * is SIGKILLed and the standby promoted (`pg_ctl promote`: what a failover manager does). The
 * service must answer 503 DATABASE_UNAVAILABLE meanwhile, follow the new primary by itself, keep
 * every registration it acknowledged, and complete a ceremony started before the failover.
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
} from 'node:fs';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, postJson } from '../../bench/http';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { must, seedTenant } from './seed';
import type { PhaseContext } from './webhooks-phase';

export const PG15 = '/usr/lib/postgresql/15/bin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses root). */
function pg(bin: string, args: string[]): string {
  const [cmd, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG15, bin), ...args]]
    : [join(PG15, bin), args];
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString();
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({
    connectionString: url,
    connectionTimeoutMillis: 2000,
    query_timeout: 30_000,
  });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

export async function failoverPhase(ctx: Omit<PhaseContext, 'databaseUrl' | 'dir'>): Promise<void> {
  if (!existsSync(join(PG15, 'initdb'))) {
    console.log(`failover: SKIPPED (no PostgreSQL 15 binaries at ${PG15})`);
    return;
  }
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'ids-failover-'));
  chmodSync(dir, 0o755);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const [portA, portB] = [await freePort(), await freePort()];
  const dataA = join(dir, 'a');
  const dataB = join(dir, 'b');
  const urlOf = (port: number, db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const start = (data: string, port: number) =>
    pg('pg_ctl', [
      '-D',
      data,
      '-l',
      `${data}.log`,
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
  let service: ChildProcess | undefined;
  const stopService = () => service?.kill('SIGKILL');
  process.once('exit', stopService);

  try {
    // ---- a primary and a synchronous standby ----
    pg('initdb', [
      '-D',
      dataA,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ]);
    appendFileSync(
      join(dataA, 'postgresql.conf'),
      [
        'wal_level = replica',
        'max_wal_senders = 4',
        'max_connections = 100',
        'synchronous_commit = on',
        '',
      ].join('\n'),
    );
    start(dataA, portA);
    await query(urlOf(portA), 'CREATE DATABASE identity_store');
    pg('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(portA),
      '-U',
      'postgres',
      '-D',
      dataB,
      '-X',
      'stream',
      '-c',
      'fast',
      '-R',
    ]);
    // the standby names itself for synchronous_standby_names; once promoted it has no standby
    // of its own to wait for (a failover manager would re-attach the old primary as one)
    appendFileSync(
      join(dataB, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${portA} user=postgres application_name=standby_b'\nsynchronous_standby_names = ''\n`,
    );
    start(dataB, portB);
    // synchronous from now on (set before, CREATE DATABASE would wait for a standby to come)
    await query(urlOf(portA), "ALTER SYSTEM SET synchronous_standby_names = 'standby_b'");
    await query(urlOf(portA), 'SELECT pg_reload_conf()');
    let syncState = '';
    for (let i = 0; i < 100 && syncState !== 'sync'; i++) {
      const rows = await query<{ sync_state: string }>(
        urlOf(portA),
        'SELECT sync_state FROM pg_stat_replication',
      );
      syncState = rows[0]?.sync_state ?? '';
      if (syncState !== 'sync') await sleep(100);
    }
    ctx.check(
      syncState === 'sync',
      `failover: the standby replicates synchronously (${syncState || 'none'})`,
    );

    // ---- the service on both hosts ----
    const port = await freePort();
    const api = `http://127.0.0.1:${port}/api/identity-store`;
    const ready = () =>
      fetch(`http://127.0.0.1:${port}/api/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
    service = fork(join(ctx.root, 'dist', 'main.js'), [], {
      env: {
        ...process.env,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${portA},127.0.0.1:${portB}/identity_store?target_session_attrs=read-write`,
        PORT: String(port),
        LOG_LEVEL: 'error',
        NODE_ENV: 'production',
        IDS_PLATFORM_API_KEY: ctx.platformKey,
        IDS_KEK: ctx.kek,
        IDS_DB_CONNECT_TIMEOUT_MS: '1000',
        IDS_DEMO_ENABLED: 'false',
        IDS_WEBHOOK_POLL_MS: '0',
      },
      stdio: 'inherit',
    });
    let up = false;
    for (let i = 0; i < 300 && !up; i++) {
      up = await ready();
      if (!up) await sleep(100);
    }
    if (!up) throw new Error('failover phase: the service did not start');

    const { K } = await seedTenant(
      api,
      ctx.platformKey,
      { id: 'fo', name: 'Failover' },
      ctx.origin,
    );
    const device = new SoftAuthenticator();
    const regUrl = (ext: string) =>
      `${api}/fo/stores/s/users/${ext}/passkeys/relyingParties/localhost/registrations/default/ext`;

    // ---- load: register, then authenticate with the new passkey ----
    type Outcome = { status: number; code?: string; at: number; ms: number };
    const outcomes: Outcome[] = [];
    const acknowledged: string[] = [];
    let authentications = 0;
    let running = true;
    let n = 0;
    const call = async (url: string, body: unknown) => {
      const t0 = performance.now();
      const res = await postJson(url, body, K, 15_000).catch(() => ({
        status: 0,
        json: {} as any,
      }));
      outcomes.push({
        status: res.status,
        code: res.json?.code,
        at: performance.now(),
        ms: performance.now() - t0,
      });
      return res;
    };
    const worker = async () => {
      while (running) {
        const start = await call(regUrl(`fo-${n++}`), { createUser: true });
        if (start.status !== 201) {
          await sleep(50);
          continue;
        }
        const reg = await call(
          `${api}/stores/s/passkeys/registrations/sessions/${start.json.sessionId}`,
          {
            clientResponse: device.register(start.json.clientRequest, ctx.origin),
          },
        );
        if (reg.status !== 200) {
          await sleep(50);
          continue;
        }
        acknowledged.push(reg.json.passkeyId);
        const auth = await call(
          `${api}/stores/s/users/${reg.json.userId}/passkeys/relyingParties/localhost/authentications/default`,
          {},
        );
        if (auth.status !== 201) continue;
        const done = await call(
          `${api}/stores/s/passkeys/authentications/sessions/${auth.json.sessionId}`,
          {
            clientResponse: device.authenticate(auth.json.clientRequest, ctx.origin),
          },
        );
        if (done.status === 200) authentications++;
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await sleep(2000);

    // a ceremony started on the old primary, completed on the new one
    const pending = await must(regUrl('fo-across'), { createUser: true }, K);
    const pid = Number(readFileSync(join(dataA, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const killedAt = performance.now();
    const acknowledgedBefore = acknowledged.length;
    process.kill(pid, 'SIGKILL');
    await sleep(1000); // a failover manager notices the loss
    pg('pg_ctl', ['-D', dataB, '-w', '-t', '30', 'promote']);
    const promotedAt = performance.now();
    let recoveredAt = 0;
    for (let i = 0; i < 300 && !recoveredAt; i++) {
      const ok = outcomes.some((o) => o.at > promotedAt && o.status >= 200 && o.status < 300);
      if (ok)
        recoveredAt = outcomes.find(
          (o) => o.at > promotedAt && o.status < 300 && o.status >= 200,
        )!.at;
      else await sleep(50);
    }
    await sleep(2000);
    running = false;
    await Promise.all(workers);

    const across = await postJson(
      `${api}/stores/s/passkeys/registrations/sessions/${pending.sessionId}`,
      { clientResponse: device.register(pending.clientRequest, ctx.origin) },
      K,
    );
    const failed = outcomes.filter((o) => o.status < 200 || o.status >= 300);
    const first = failed.length ? failed[0].at : 0;
    const last = failed.length ? failed[failed.length - 1].at : 0;
    const all503 = failed.every((o) => o.status === 503 && o.code === 'DATABASE_UNAVAILABLE');
    const kept = (
      await query<{ id: string }>(
        urlOf(portB, 'identity_store'),
        'SELECT id FROM passkeys WHERE id = ANY($1::uuid[])',
        [acknowledged],
      )
    ).length;
    const afterKill = acknowledged.length - acknowledgedBefore;
    const slowest = Math.max(0, ...failed.map((o) => o.ms));
    console.log(
      `failover: ${outcomes.length} requests, ${failed.length} answered 503 over ${failed.length ? ((last - first) / 1000).toFixed(2) : '0'} s ` +
        `(first ${failed.length ? ((first - killedAt) / 1000).toFixed(2) : '-'} s after the kill), ` +
        `recovery ${recoveredAt ? ((recoveredAt - promotedAt) / 1000).toFixed(2) : 'never'} s after the promote, ` +
        `registrations kept ${kept}/${acknowledged.length} acknowledged (${acknowledgedBefore} before the kill, ${afterKill} after), slowest 503 ${slowest.toFixed(0)} ms, ` +
        `${authentications} authentications; phase ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    ctx.check(
      failed.length > 0 && all503,
      `failover: requests failed while there was no primary, all 503 DATABASE_UNAVAILABLE (${failed.length}; ${failed.filter((o) => o.status !== 503).length} other)`,
    );
    ctx.check(
      slowest <= 2100,
      `failover: every failed request answered within 2 s (slowest ${slowest.toFixed(0)} ms)`,
    );
    ctx.check(
      recoveredAt > 0 && recoveredAt - promotedAt <= 5000,
      'failover: the service follows the promoted standby by itself within 5 s, without a restart',
    );
    ctx.check(
      last <= (recoveredAt || Infinity) + 1000,
      'failover: no request fails once the service has followed the new primary',
    );
    ctx.check(
      kept === acknowledged.length && acknowledged.length > acknowledgedBefore,
      `failover: every registration answered 2xx before, during and after is on the new primary (${kept}/${acknowledged.length})`,
    );
    ctx.check(
      authentications > 0,
      `failover: authentications ran under the load (${authentications})`,
    );
    ctx.check(
      across.status === 200,
      `failover: a registration started before the failover completes after it (${across.status})`,
    );
    ctx.check(await ready(), 'failover: readiness is true on the new primary');
  } finally {
    stopService();
    process.removeListener('exit', stopService);
    await sleep(300);
    for (const data of [dataB, dataA]) {
      try {
        pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // not running
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
