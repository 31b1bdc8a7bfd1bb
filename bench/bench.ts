/**
 * `npm run bench [-- --users 1000 --concurrency 32 --duration 20 --scale]`
 *
 * Starts Identity Store (dist/main.js) and the bare baseline (bench/baseline-server.ts) as child
 * processes on one PostgreSQL (embedded under bench/.work, or DATABASE_URL), seeds N users with
 * a passkey each (made by the software authenticator, registered through each API), then drives
 * full authentication and registration ceremonies (start + complete over HTTP) at concurrency C
 * for D seconds against both, and prints ceremonies/s, latency percentiles, errors, RSS and the
 * ratio service / baseline. --scale adds 1,000,000 users and 2,000,000 passkeys with SQL and
 * reruns the authentication. Results also go to bench/RESULTS.md.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { SoftAuthenticator } from '../test/support/soft-authenticator';
import { drive, freePort, getStatus, postJson, RunResult } from './http';

const ROOT = join(__dirname, '..', '..');
const ORIGIN = 'http://localhost:3000';
const PLATFORM_KEY = 'bench-platform-key-0123456789abcdefghijklmnopqrstuvwxyz';
/** The key-encryption key of this run (production requires one). */
const KEK = randomBytes(32).toString('base64');

/** Every run of a full bench; `--only` picks some (and then RESULTS.md is left alone). */
const ALL_RUNS = 'auth,auth-baseline,reg,reg-baseline,latency';

const { values: flags } = parseArgs({
  options: {
    users: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    duration: { type: 'string', default: '20' },
    /** Rounds per run; the systems alternate within a round and the median round is reported. */
    repeat: { type: 'string', default: '3' },
    /** Seconds driven before each measured run and not counted (JIT, pools, caches). */
    warmup: { type: 'string', default: '3' },
    scale: { type: 'boolean', default: false },
    'scale-users': { type: 'string', default: '1000000' },
    out: { type: 'string', default: join(ROOT, 'bench', 'RESULTS.md') },
    profile: { type: 'boolean', default: false },
    /** Comma list of runs: auth, auth-baseline, reg, reg-baseline (default: all four). */
    only: { type: 'string', default: ALL_RUNS },
    /** Prints the service's top statements per run, from pg_stat_statements. */
    'pg-stats': { type: 'boolean', default: false },
    /** Extra Node/V8 flags for the service process only (`--node-args=--max-semi-space-size=64`). */
    'node-args': { type: 'string', default: '' },
    /**
     * Seconds each system is driven, not counted, before the first round when the embedded
     * cluster was created by this run (0: never). A new cluster is slow for its first minutes.
     */
    'new-cluster-warmup': { type: 'string', default: '45' },
  },
});
const N = Number(flags.users);
const C = Number(flags.concurrency);
const D = Number(flags.duration);

const log = (...args: unknown[]) => console.log(...args);
/** The embedded cluster was created by this run (see `new-cluster-warmup`). */
let newCluster = false;

async function admin<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) a process has used, from /proc; with `children`, also what its
 * exited children used (PostgreSQL backends come and go; the postmaster reaps them).
 */
function cpuOf(pid: number, children = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (own + (children ? Number(fields[13]) + Number(fields[14]) : 0)) / 100;
  } catch {
    return 0;
  }
}

function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

function parentOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * All CPU PostgreSQL has used: its backends' own time, then the postmaster's with what it reaped.
 * The postmaster is read last: a backend that exits between the two reads is counted (at worst
 * twice, briefly), never lost — reading it first let a backend that exited in between vanish
 * from both, which once gave a negative figure for a run.
 */
function postgresCpu(): number {
  const pids = postgresPids();
  const postmasters = pids.filter((pid) => !pids.includes(parentOf(pid)));
  const backends = pids.filter((pid) => !postmasters.includes(pid));
  const live = backends.reduce((sum, pid) => sum + cpuOf(pid), 0);
  return live + postmasters.reduce((sum, pid) => sum + cpuOf(pid, true), 0);
}

/** CPU use of each party during a run: service (or baseline), load generator, PostgreSQL. */
function cpuSnapshot(serverPid: number): { server: number; client: number; postgres: number } {
  return {
    server: cpuOf(serverPid),
    client: cpuOf(process.pid),
    postgres: postgresCpu(),
  };
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function startChild(
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): ChildProcess {
  return fork(script, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

async function main(): Promise<void> {
  // ---- database ----
  const { loadConfig } = await import('../src/config/app-config');
  const { resolveDatabase } = await import('../src/database/database-target');
  const { createLogger } = await import('../src/common/logging/logger');
  const config = loadConfig({
    ...process.env,
    IDS_DATA_DIR: join(ROOT, 'bench', '.work'),
    IDS_EMBEDDED_PG_PORT: '54349',
  });
  // a cluster made by this run (a fresh clone) gets a warm-up round before the first measured one
  newCluster =
    !process.env.DATABASE_URL &&
    !existsSync(join(ROOT, 'bench', '.work', 'postgres', 'PG_VERSION'));
  let cluster = await resolveDatabase(config, createLogger('warn'));
  cluster = await withStatements(cluster, flags['pg-stats'], !process.env.DATABASE_URL, () =>
    resolveDatabase(config, createLogger('warn')),
  );
  const adminUrl = cluster.url;
  for (const db of ['ids_bench', 'ids_baseline']) {
    await admin(adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${db}`);
    });
  }
  const serviceDb = withDb(adminUrl, 'ids_bench');
  const baselineDb = withDb(adminUrl, 'ids_baseline');
  await admin(baselineDb, (c) =>
    c.query(`CREATE TABLE b_challenges (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid NOT NULL, challenge text NOT NULL, expires_at timestamptz NOT NULL);
             CREATE TABLE b_credentials (credential_id text PRIMARY KEY, user_id uuid NOT NULL, public_key bytea NOT NULL, counter bigint NOT NULL, transports text[], created_at timestamptz NOT NULL DEFAULT now());
             CREATE INDEX ON b_credentials (user_id);`),
  );

  // ---- processes ----
  const servicePort = await freePort();
  const baselinePort = await freePort();
  const service = startChild(
    join(ROOT, 'dist', 'main.js'),
    {
      DATABASE_URL: serviceDb,
      PORT: String(servicePort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      IDS_PLATFORM_API_KEY: PLATFORM_KEY,
      IDS_KEK: KEK,
      IDS_DEMO_ENABLED: 'false',
    },
    [
      ...(flags.profile
        ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', '.work', 'profiles')}`]
        : []),
      ...flags['node-args'].split(/\s+/).filter(Boolean),
    ],
  );
  const baseline = startChild(join(__dirname, 'baseline-server.js'), {
    DATABASE_URL: baselineDb,
    PORT: String(baselinePort),
  });
  const stop = () => {
    service.kill('SIGTERM');
    baseline.kill('SIGTERM');
  };
  process.once('exit', stop); // children never outlive the benchmark
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  const svc = `http://127.0.0.1:${servicePort}`;
  const base = `http://127.0.0.1:${baselinePort}`;
  await waitFor(`${svc}/api/health/ready`);
  await new Promise<void>((resolve) => baseline.once('message', () => resolve()));

  // ---- seed the service through its API ----
  const api = `${svc}/api/identity-store`;
  const P = { 'x-api-key': PLATFORM_KEY };
  const must = async (url: string, body: unknown, headers: Record<string, string>) => {
    const res = await postJson(url, body, headers);
    if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  await must(
    `${api}/tenants`,
    {
      id: 'bench',
      name: 'Bench',
      limits: { maxUsers: 5_000_000, maxStores: 10, maxPasskeysPerUser: 100 },
      // counted on every request as in production, but high enough never to refuse the load
      rateLimits: { perApiKeyPerMinute: 10_000_000, perIpPerMinute: 10_000_000 },
    },
    P,
  );
  const key = (
    await must(
      `${api}/apiKeys`,
      { name: 'bench', permissions: ['TNT#bench#IdentityStore:*'] },
      { ...P, 'x-tenant-id': 'bench' },
    )
  ).key as string;
  const K = { 'x-api-key': key };
  await must(`${api}/stores`, { name: 'bench' }, K);
  await must(
    `${api}/stores/bench/passkeys/relyingParties`,
    { rpId: 'localhost', name: 'Bench', origins: [ORIGIN] },
    K,
  );
  const rp = `${api}/stores/bench/passkeys/relyingParties/localhost`;
  await must(
    `${rp}/registrationPolicies`,
    { name: 'bench', excludeExistingCredentials: false, algorithms: [-7] },
    K,
  );
  await must(`${rp}/authenticationPolicies`, { name: 'bench' }, K);
  const userIds: string[] = [];
  await admin(serviceDb, async (c) => {
    const { rows } = await c.query(
      `WITH s AS (SELECT id FROM stores WHERE tenant_id = 'bench')
       INSERT INTO users (tenant_id, store_id, external_id, user_name, display_name, status, type, locale, time_zone)
       SELECT 'bench', s.id, 'hot-' || g, 'hot' || g, 'Hot ' || g, 'ACTIVE', 'USER', 'en-US', 'UTC' FROM s, generate_series(1, $1) g
       RETURNING id`,
      [N],
    );
    userIds.push(...rows.map((r) => r.id as string));
    await c.query("UPDATE stores SET user_count = $1 WHERE tenant_id = 'bench'", [N]);
    await c.query("UPDATE tenants SET user_count = $1 WHERE id = 'bench'", [N]);
  });
  const serviceDevice = new SoftAuthenticator();
  const baselineDevice = new SoftAuthenticator();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < userIds.length) {
        const id = userIds[next++];
        const s = await must(
          `${api}/stores/bench/users/${id}/passkeys/relyingParties/localhost/registrations/bench`,
          {},
          K,
        );
        await must(
          `${api}/stores/bench/passkeys/registrations/sessions/${s.sessionId}`,
          { clientResponse: serviceDevice.register(s.clientRequest, ORIGIN) },
          K,
        );
        const b = await must(`${base}/reg/start`, { userId: id }, {});
        await must(
          `${base}/reg/finish`,
          {
            sessionId: b.sessionId,
            clientResponse: baselineDevice.register(b.clientRequest, ORIGIN),
          },
          {},
        );
      }
    }),
  );
  // from PostgreSQL and as text: a JavaScript Date would cut the microseconds, and rows made in
  // the same millisecond would then count as added later and be deleted by the resets
  let seededAt = await admin(
    serviceDb,
    async (c) => (await c.query('SELECT clock_timestamp()::text AS t')).rows[0].t as string,
  );
  log(
    `seeded ${N} users with a passkey in each system in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // ---- RSS sampling ----
  const rss: { at: number; mb: number }[] = [];
  // at each new RSS peak, the service's own view (/metrics): V8 heap or memory outside it?
  const heapAtPeak: { rss: number; line: string } = { rss: 0, line: '' };
  const sampling = setInterval(() => {
    const mb = rssMb(service.pid!);
    rss.push({ at: performance.now(), mb });
    if (mb > heapAtPeak.rss) {
      heapAtPeak.rss = mb;
      void fetch(`${svc}/metrics`)
        .then((r) => r.text())
        .then((text) => {
          const pick = (name: string) =>
            (
              Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN) /
              1048576
            ).toFixed(0);
          heapAtPeak.line = `rss ${mb.toFixed(0)} MB: heap total ${pick('nodejs_heap_size_total_bytes')} MB, used ${pick('nodejs_heap_size_used_bytes')} MB, external ${pick('nodejs_external_memory_bytes')} MB`;
        })
        .catch(() => undefined);
    }
  }, 1000);
  const drivingStarted = performance.now();

  // each worker owns the users i ≡ worker (mod C): one ceremony per credential at a time
  const owned = (worker: number, i: number) => {
    const mine = userIds.filter((_, idx) => idx % C === worker);
    return mine[i % mine.length];
  };
  const authService = (worker: number, i: number) => async () => {
    const id = owned(worker, i);
    const s = await must(
      `${api}/stores/bench/users/${id}/passkeys/relyingParties/localhost/authentications/bench`,
      {},
      K,
    );
    await must(
      `${api}/stores/bench/passkeys/authentications/sessions/${s.sessionId}`,
      { clientResponse: serviceDevice.authenticate(s.clientRequest, ORIGIN) },
      K,
    );
  };
  const authBaseline = (worker: number, i: number) => async () => {
    const id = owned(worker, i);
    const s = await must(`${base}/auth/start`, { userId: id }, {});
    await must(
      `${base}/auth/finish`,
      {
        sessionId: s.sessionId,
        clientResponse: baselineDevice.authenticate(s.clientRequest, ORIGIN),
      },
      {},
    );
  };
  const regService = (worker: number, i: number) => async () => {
    const id = owned(worker, i);
    const s = await must(
      `${api}/stores/bench/users/${id}/passkeys/relyingParties/localhost/registrations/bench`,
      {},
      K,
    );
    await must(
      `${api}/stores/bench/passkeys/registrations/sessions/${s.sessionId}`,
      { clientResponse: serviceDevice.register(s.clientRequest, ORIGIN) },
      K,
    );
  };
  const regBaseline = (worker: number, i: number) => async () => {
    const id = owned(worker, i);
    const s = await must(`${base}/reg/start`, { userId: id }, {});
    await must(
      `${base}/reg/finish`,
      { sessionId: s.sessionId, clientResponse: baselineDevice.register(s.clientRequest, ORIGIN) },
      {},
    );
  };
  /** Diagnostics (`--only floor`): one request of each kind, no ceremony work. */
  const getOk = async (url: string, headers: Record<string, string>) => {
    const status = await getStatus(url, headers);
    if (status !== 200) throw new Error(`${url}: ${status}`);
  };
  const floorPublic = () => () => getOk(`${svc}/api/health/live`, {});
  const floorKeyed = () => () => getOk(`${api}/stores/bench`, K);
  const cpu: Record<string, string> = {};
  const run = async (
    label: string,
    make: (w: number, i: number) => () => Promise<void>,
    serverPid = service.pid!,
    concurrency = C,
  ) => {
    // every run starts from the seeded state: one passkey per user (registration runs add some)
    await admin(serviceDb, (c) =>
      c.query('DELETE FROM passkeys WHERE created_at > $1::timestamptz', [seededAt]),
    );
    await admin(baselineDb, (c) =>
      c.query('DELETE FROM b_credentials WHERE created_at > $1::timestamptz', [seededAt]),
    );
    if (flags['pg-stats'])
      await admin(serviceDb, (c) =>
        c.query(
          'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()',
        ),
      );
    await drive(concurrency, Number(flags.warmup), (w, i) => make(w, i)());
    const before = cpuSnapshot(serverPid);
    const r = await drive(concurrency, D, (w, i) => make(w, i)());
    const after = cpuSnapshot(serverPid);
    if (flags['pg-stats']) await printStatements(serviceDb, r.ceremonies);
    const ms = (k: 'server' | 'client' | 'postgres') =>
      (((after[k] - before[k]) * 1000) / Math.max(1, r.ceremonies)).toFixed(2);
    cpu[label] =
      `server ${ms('server')} ms, load generator ${ms('client')} ms, PostgreSQL ${ms('postgres')} ms`;
    return r;
  };
  /** One run's line; `cpuOf` is the label its CPU figures were recorded under. */
  const report = (label: string, r: RunResult, cpuOf = label) => {
    log(
      `${label.padEnd(34)} ${r.perSecond.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  errors ${r.errors}${r.firstErrors.length ? ` (${r.firstErrors[0]})` : ''}`,
    );
    log(`${''.padEnd(34)} CPU per ceremony: ${cpu[cpuOf]}`);
    return r;
  };

  log(`\ndriving at concurrency ${C} for ${D} s per run (each run: start + complete over HTTP)`);
  const settle = Number(flags['new-cluster-warmup']);
  if (newCluster && settle > 0) {
    // PostgreSQL on a cluster it has just created costs about twice its usual CPU per ceremony
    // for its first minute or two (measured: 6.0-6.5 ms against ~3 ms per authentication), and
    // the runs that come first would pay for it alone
    log(`a new cluster: driving each system ${settle} s first, not counted`);
    await drive(C, settle, (w, i) => authService(w, i)());
    await drive(C, settle, (w, i) => authBaseline(w, i)());
  }
  const results: Record<string, RunResult> = {};
  const rounds: Record<string, number[]> = {};
  const R = Math.max(1, Number(flags.repeat));
  /** Runs each (label, run) of a group once per round, alternating; keeps the median round. */
  const measured = async (
    group: [
      key: string,
      label: string,
      make: (w: number, i: number) => () => Promise<void>,
      pid?: number,
    ][],
  ) => {
    const all: Record<string, { r: RunResult; cpu: string }[]> = {};
    for (let round = 1; round <= R; round++) {
      for (const [key, label, make, pid] of group) {
        const r = await run(label, make, pid);
        report(R > 1 ? `${label} #${round}` : label, r, label);
        (all[key] ??= []).push({ r, cpu: cpu[label] });
      }
    }
    for (const [key, label] of group) {
      const sorted = [...all[key]].sort((a, b) => a.r.perSecond - b.r.perSecond);
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      results[key] = median.r;
      cpu[label] = median.cpu;
      rounds[key] = all[key].map((x) => Math.round(x.r.perSecond));
    }
  };
  const only = new Set(flags.only!.split(','));
  const pick = (
    entries: [string, string, (w: number, i: number) => () => Promise<void>, number?][],
    names: string[],
  ) => entries.filter((_, k) => only.has(names[k]));
  await measured(
    pick(
      [
        ['authService', `authentication, Identity Store (${N} users)`, authService],
        ['authBaseline', 'authentication, baseline', authBaseline, baseline.pid!],
      ],
      ['auth', 'auth-baseline'],
    ),
  );
  await measured(
    pick(
      [
        ['floorPublic', 'floor: GET /api/health/live (public)', floorPublic],
        ['floorKeyed', 'floor: GET a store (API key, 1 read)', floorKeyed],
      ],
      ['floor', 'floor'],
    ),
  );
  await measured(
    pick(
      [
        ['regService', 'registration, Identity Store', regService],
        ['regBaseline', 'registration, baseline', regBaseline, baseline.pid!],
      ],
      ['reg', 'reg-baseline'],
    ),
  );

  // latency: one client (nothing else running), then 8; each against the baseline
  if (only.has('latency')) {
    for (const c of [1, 8]) {
      for (const [key, label, make, pid] of [
        [`latencyService${c}`, `authentication latency, Identity Store, C = ${c}`, authService],
        [
          `latencyBaseline${c}`,
          `authentication latency, baseline, C = ${c}`,
          authBaseline,
          baseline.pid!,
        ],
      ] as [string, string, (w: number, i: number) => () => Promise<void>, number?][]) {
        results[key] = report(label, await run(label, make, pid, c));
        rounds[key] = [Math.round(results[key].perSecond)];
      }
    }
  }

  if (flags.scale) {
    const bulk = Number(flags['scale-users']);
    const t1 = performance.now();
    await admin(serviceDb, async (c) => {
      const [{ id: storeId }] = (await c.query("SELECT id FROM stores WHERE tenant_id = 'bench'"))
        .rows;
      const [{ id: rpId }] = (
        await c.query('SELECT id FROM relying_parties WHERE store_id = $1', [storeId])
      ).rows;
      const [{ public_key: pk }] = (await c.query('SELECT public_key FROM passkeys LIMIT 1')).rows;
      for (let from = 1; from <= bulk; from += 250_000) {
        const to = Math.min(bulk, from + 249_999);
        await c.query(
          `WITH u AS (
             INSERT INTO users (tenant_id, store_id, external_id, user_name, display_name, status, type, locale, time_zone)
             SELECT 'bench', $1, 'bulk-' || g, 'bulk' || g, 'Bulk ' || g, 'ACTIVE', 'USER', 'en-US', 'UTC' FROM generate_series($3::int, $4::int) g
             RETURNING id, external_id)
           INSERT INTO passkeys (tenant_id, store_id, relying_party_id, user_id, credential_id, public_key, algorithm, sign_counter,
                                 aaguid, transports, backup_eligible, backed_up, attestation_format, display_name, status)
           SELECT 'bench', $1, $2, u.id, u.external_id || '-' || k, $5, -7, 0, '00000000-0000-0000-0000-000000000000',
                  '{internal}', false, false, 'none', 'Passkey', 'ACTIVE'
             FROM u, generate_series(1, 2) k`,
          [storeId, rpId, from, to, pk],
        );
      }
      await c.query("UPDATE stores SET user_count = user_count + $1 WHERE tenant_id = 'bench'", [
        bulk,
      ]);
      await c.query("UPDATE tenants SET user_count = user_count + $1 WHERE id = 'bench'", [bulk]);
      // settle the 3M inserted rows first, so the run measures lookups, not vacuum and checkpoints
      await c.query('VACUUM (ANALYZE) users, passkeys');
      await c.query('CHECKPOINT');
      // the bulk rows are part of the seeded state: each run's reset must keep them (it deletes
      // the passkeys made after this moment; before, it deleted the 2,000,000 bulk passkeys at
      // the start of the first run at scale, which then measured 1,000 passkeys and a mass delete)
      seededAt = (await c.query('SELECT clock_timestamp()::text AS t')).rows[0].t as string;
    });
    log(
      `\nscale: seeded ${bulk.toLocaleString('en')} users and ${(2 * bulk).toLocaleString('en')} passkeys with SQL in ${((performance.now() - t1) / 1000).toFixed(0)} s`,
    );
    await measured([
      [
        'authServiceScale',
        `authentication, Identity Store (+${bulk.toLocaleString('en')} users)`,
        authService,
      ],
    ]);
    const counts = await admin(serviceDb, async (c) => {
      const { rows } = await c.query(
        'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM passkeys) AS passkeys',
      );
      return rows[0] as { users: string; passkeys: string };
    });
    log(`after the runs at scale: ${counts.users} users, ${counts.passkeys} passkeys`);
  }

  clearInterval(sampling);
  const minute = rss.find((s) => s.at - drivingStarted >= 60_000);
  const end = rss[rss.length - 1];
  const ratio = (a?: RunResult, b?: RunResult) => (a && b ? a.perSecond / b.perSecond : NaN);
  const summary = {
    authRatio: ratio(results.authService, results.authBaseline),
    regRatio: ratio(results.regService, results.regBaseline),
    scaleRatio: results.authServiceScale
      ? ratio(results.authServiceScale, results.authService)
      : undefined,
    rssMinute1: minute?.mb,
    rssEnd: end?.mb,
    rssMax: Math.max(...rss.map((s) => s.mb)),
  };
  // a run without both systems of a pair (--only) has no ratio for it: say so, not NaN
  const shown = (value: number) => (Number.isNaN(value) ? 'n/a (not both run)' : value.toFixed(2));
  log(
    `\nratio Identity Store / baseline: authentication ${shown(summary.authRatio)}, registration ${shown(summary.regRatio)}`,
  );
  if (summary.scaleRatio) log(`ratio at scale / at ${N} users: ${summary.scaleRatio.toFixed(2)}`);
  const perMinute = rss
    .filter(
      (sample, i) =>
        i === 0 ||
        Math.floor((sample.at - drivingStarted) / 60_000) >
          Math.floor((rss[i - 1].at - drivingStarted) / 60_000),
    )
    .map((sample) => `${sample.mb.toFixed(0)}`);
  log(`service RSS each minute since driving started (MB): ${perMinute.join(', ')}`);
  writeFileSync(
    join(ROOT, 'bench', '.work', 'rss.csv'),
    rss
      .map(
        (sample) => `${((sample.at - drivingStarted) / 1000).toFixed(0)},${sample.mb.toFixed(0)}`,
      )
      .join('\n'),
  );
  log(`at the RSS peak: ${heapAtPeak.line}`);
  log(
    `service RSS: minute 1 ${minute ? `${minute.mb.toFixed(0)} MB` : 'n/a (run < 60 s)'}, end ${end?.mb.toFixed(0)} MB, max ${summary.rssMax.toFixed(0)} MB`,
  );

  if (ALL_RUNS.split(',').every((name) => only.has(name)))
    writeResults(results, rounds, summary, cpu);
  else log('\n(a partial run: bench/RESULTS.md left as it was)');
  stop();
  await new Promise((r) => setTimeout(r, 500));
  await cluster.stop();
}

/**
 * Loads pg_stat_statements for `--pg-stats` (restarting the cluster; a DATABASE_URL must have it
 * already), and unloads it from the embedded cluster otherwise: its per-statement bookkeeping
 * would stay in every later run of this cluster (ALTER SYSTEM persists) and make local figures
 * unlike a fresh clone's.
 */
async function withStatements<T extends { url: string; stop(): Promise<void> }>(
  cluster: T,
  wanted: boolean,
  embedded: boolean,
  restart: () => Promise<T>,
): Promise<T> {
  const changed = await admin(cluster.url, async (c) => {
    const { rows } = await c.query("SELECT current_setting('shared_preload_libraries') AS libs");
    const loaded = (rows[0].libs as string).includes('pg_stat_statements');
    if (wanted && !loaded) {
      await c.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      await c.query('ALTER SYSTEM SET pg_stat_statements.track_planning = on');
      return true;
    }
    if (!wanted && loaded && embedded) {
      await c.query('ALTER SYSTEM RESET shared_preload_libraries');
      await c.query('ALTER SYSTEM RESET pg_stat_statements.track_planning');
      return true;
    }
    return false;
  });
  if (!changed) return cluster;
  await cluster.stop();
  return restart();
}

/** The service's statements of the last run: calls and milliseconds per ceremony. */
async function printStatements(url: string, ceremonies: number): Promise<void> {
  await admin(url, async (c) => {
    const { rows } = await c.query(
      `SELECT calls, total_exec_time + total_plan_time AS ms, total_plan_time AS plan, query FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 12`,
    );
    for (const r of rows) {
      const per = (Number(r.ms) / Math.max(1, ceremonies)).toFixed(3);
      const calls = (Number(r.calls) / Math.max(1, ceremonies)).toFixed(2);
      const plan = (Number(r.plan) / Math.max(1, ceremonies)).toFixed(3);
      log(
        `    ${per} ms (plan ${plan})  ${calls} calls  ${String(r.query).replace(/\s+/g, ' ').slice(0, 140)}`,
      );
    }
  });
}

function writeResults(
  results: Record<string, RunResult>,
  rounds: Record<string, number[]>,
  summary: Record<string, number | undefined>,
  cpu: Record<string, string>,
): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const row = (label: string, key: string) => {
    const r = results[key];
    return r
      ? `| ${label} | ${r.perSecond.toFixed(0)} | ${rounds[key].join(', ')} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`
      : '';
  };
  const text = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString()}.

- Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; PostgreSQL on the same box (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL 17'}); the load generator (with the software authenticator signing every response) shares the same cores.
- Versions: Node ${process.version}, @nestjs/core ${pkg.dependencies['@nestjs/core']}, @simplewebauthn/server ${pkg.dependencies['@simplewebauthn/server']}, typeorm ${pkg.dependencies.typeorm}, pg ${pkg.dependencies.pg}.
- Command: \`npm run bench -- --users ${N} --concurrency ${C} --duration ${D}${flags.scale ? ' --scale' : ''}\` (${flags.repeat} rounds, Identity Store and baseline alternating within each; every run after ${flags.warmup} s of warm-up that is not counted, from the seeded state of one passkey per user${newCluster && Number(flags['new-cluster-warmup']) > 0 ? `; the cluster was new, so each system was first driven ${flags['new-cluster-warmup']} s, not counted` : ''})
- A ceremony = start + complete over HTTP (keep-alive), with the API key checked on each call for Identity Store; the baseline (\`bench/baseline-server.ts\`) does only the same two steps.

| run | ceremonies/s (median round) | each round | p50 ms | p95 ms | p99 ms | errors |
|---|---|---|---|---|---|---|
${[
  row(`authentication, Identity Store (${N} users)`, 'authService'),
  row('authentication, baseline', 'authBaseline'),
  row('registration, Identity Store', 'regService'),
  row('registration, baseline', 'regBaseline'),
  row('authentication, Identity Store at scale (+1M users, +2M passkeys)', 'authServiceScale'),
  row('authentication latency, Identity Store, one client (C = 1)', 'latencyService1'),
  row('authentication latency, baseline, C = 1', 'latencyBaseline1'),
  row('authentication latency, Identity Store, C = 8', 'latencyService8'),
  row('authentication latency, baseline, C = 8', 'latencyBaseline8'),
]
  .filter(Boolean)
  .join('\n')}

- Ratio Identity Store / baseline: authentication **${summary.authRatio?.toFixed(2)}**, registration **${summary.regRatio?.toFixed(2)}**${summary.scaleRatio ? `; at scale / ${N} users: **${summary.scaleRatio.toFixed(2)}**` : ''}.
- Service RSS: minute 1 ${summary.rssMinute1 ? `${summary.rssMinute1.toFixed(0)} MB` : 'n/a'}, end ${summary.rssEnd?.toFixed(0)} MB, max ${summary.rssMax?.toFixed(0)} MB.
- CPU per ceremony (from /proc, user + system; the server column is Identity Store or the baseline):
${Object.entries(cpu)
  .map(([label, text]) => `  - ${label}: ${text}`)
  .join('\n')}
- SQL statements per ceremony step (from \`test/e2e/query-budget.e2e-spec.ts\`; the API key is looked up by each step's first statement, no BEGIN/COMMIT): a start is one read and one write, a completion one read and one settling statement — 2 + 2 for either ceremony, plus one the first time a user gets a handle at a relying party and a rate-limit lease about once per 64 requests of a busy key (the baseline: 2 and 3, no key, no limits, no audit).
- What these figures mean against the targets of issue 7, what the profiles say stands in the way, and what changed to get here: [docs/design.md](../docs/design.md#performance).
`;
  writeFileSync(flags.out!, text.replace(/\n\n\n/g, '\n\n'));
  log(`\nwrote ${flags.out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(143));
