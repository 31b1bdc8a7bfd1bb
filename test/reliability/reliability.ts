/**
 * `npm run reliability [-- --outage-seconds 3 --concurrency 4]`: the promises that need real
 * processes. The service (dist/main.js) runs as a child on its own embedded PostgreSQL.
 *
 * 1. Crash: SIGKILL the service between start and complete; after a restart the session completes.
 * 2. Outage: stop PostgreSQL while registrations flow; requests answer 503 DATABASE_UNAVAILABLE
 *    within 2 s, readiness turns false, nothing hangs; start it again; the service recovers by
 *    itself within 5 s; every registration answered 2xx is in the database.
 * 3. Webhooks (webhooks-phase.ts): two instances, a receiver down then slow, one instance
 *    SIGKILLed mid-delivery; every event reaches the receiver at least once, signed.
 * 4. Failover (failover-phase.ts): a PostgreSQL 15 primary with a synchronous standby, the
 *    service on a multi-host DATABASE_URL; the primary is SIGKILLed under load and the standby
 *    promoted; 503 meanwhile, the new primary followed by itself, no acknowledged registration
 *    lost. `--only failover` runs this phase alone.
 * Exits non-zero when a promise is broken.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { freePort, postJson } from '../../bench/http';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { must, seedTenant } from './seed';
import { failoverPhase } from './failover-phase';
import { webhookPhase } from './webhooks-phase';

const ROOT = join(__dirname, '..', '..', '..');
const ORIGIN = 'http://localhost:3000';
const PLATFORM_KEY = 'reliability-platform-key-0123456789abcdefghijklmnop';
/** The key-encryption key of this run (production requires one). */
const KEK = randomBytes(32).toString('base64');
const { values: flags } = parseArgs({
  options: {
    'outage-seconds': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    only: { type: 'string' },
  },
});

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (flags.only === 'failover') {
    await failoverPhase({ root: ROOT, platformKey: PLATFORM_KEY, kek: KEK, origin: ORIGIN, check });
    return report();
  }
  const dir = mkdtempSync(join(tmpdir(), 'ids-reliability-'));
  const pgPort = await freePort();
  let cluster = await startEmbeddedPostgres({ dir, port: pgPort });
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/api/identity-store`;
  let service: ChildProcess | undefined;
  const startService = async () => {
    service = fork(join(ROOT, 'dist', 'main.js'), [], {
      env: {
        ...process.env,
        DATABASE_URL: cluster.url,
        PORT: String(port),
        LOG_LEVEL: 'error', // unexpected errors are printed with their cause
        NODE_ENV: 'production',
        IDS_PLATFORM_API_KEY: PLATFORM_KEY,
        IDS_KEK: KEK,
        IDS_DB_CONNECT_TIMEOUT_MS: '1000',
        IDS_DEMO_ENABLED: 'false',
        IDS_WEBHOOK_POLL_MS: '0', // the webhook phase runs its own instances
      },
      stdio: 'inherit',
    });
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${api.replace('/identity-store', '')}/health/ready`).catch(
        () => undefined,
      );
      if (res?.ok) return;
      await sleep(100);
    }
    throw new Error('service did not start');
  };
  process.once('exit', () => service?.kill('SIGKILL'));

  try {
    await startService();
    const { K } = await seedTenant(
      api,
      PLATFORM_KEY,
      { id: 'rel', name: 'Reliability', limits: { maxPasskeysPerUser: 100 } },
      ORIGIN,
    );
    const device = new SoftAuthenticator();
    const regUrl = (ext: string) =>
      `${api}/rel/stores/s/users/${ext}/passkeys/relyingParties/localhost/registrations/default/ext`;

    // ---- 1. crash between start and complete ----
    const reg = await must(regUrl('crash-user'), { createUser: true }, K);
    service!.kill('SIGKILL');
    await sleep(200);
    await startService();
    const regDone = await postJson(
      `${api}/stores/s/passkeys/registrations/sessions/${reg.sessionId}`,
      { clientResponse: device.register(reg.clientRequest, ORIGIN) },
      K,
    );
    check(
      regDone.status === 200,
      `crash: a registration started before SIGKILL completes after the restart (${regDone.status})`,
    );
    const user = regDone.json.userId as string;
    const auth = await must(
      `${api}/stores/s/users/${user}/passkeys/relyingParties/localhost/authentications/default`,
      {},
      K,
    );
    service!.kill('SIGKILL');
    await sleep(200);
    await startService();
    const authDone = await postJson(
      `${api}/stores/s/passkeys/authentications/sessions/${auth.sessionId}`,
      { clientResponse: device.authenticate(auth.clientRequest, ORIGIN) },
      K,
    );
    check(
      authDone.status === 200,
      `crash: an authentication started before SIGKILL completes after the restart (${authDone.status})`,
    );

    // ---- 2. database outage under load ----
    type Outcome = { status: number; code?: string; ms: number; at: number };
    const outcomes: Outcome[] = [];
    const answered2xx: string[] = [];
    const hung: string[] = [];
    const ANSWER_MS = 15_000;
    let running = true;
    let n = 0;
    const worker = async () => {
      while (running) {
        const ext = `load-${n++}`;
        const t0 = performance.now();
        // a request that gets no answer at all is a failure to report, never a hang
        const unanswered = (error: Error) => {
          if (/no answer within/.test(error.message)) hung.push(error.message);
          return { status: 0, json: {} as any };
        };
        let res = await postJson(regUrl(ext), { createUser: true }, K, ANSWER_MS).catch(unanswered);
        if (res.status === 201) {
          res = await postJson(
            `${api}/stores/s/passkeys/registrations/sessions/${res.json.sessionId}`,
            { clientResponse: device.register(res.json.clientRequest, ORIGIN) },
            K,
            ANSWER_MS,
          ).catch(unanswered);
          if (res.status === 200) answered2xx.push(res.json.passkeyId);
        }
        outcomes.push({
          status: res.status,
          code: res.json?.code,
          ms: performance.now() - t0,
          at: performance.now(),
        });
        if (res.status !== 200) await sleep(50);
      }
    };
    const workers = Array.from({ length: Number(flags.concurrency) }, worker);
    await sleep(2000);
    const stoppedAt = performance.now();
    await cluster.stop();
    await sleep(1500);
    const ready = await fetch(`${api.replace('/identity-store', '')}/health/ready`);
    check(
      ready.status === 503,
      `outage: readiness answers 503 while the database is down (${ready.status})`,
    );
    await sleep(Number(flags['outage-seconds']) * 1000 - 1500);
    cluster = await startEmbeddedPostgres({ dir, port: pgPort });
    const restartedAt = performance.now();
    let recoveredAt = 0;
    for (let i = 0; i < 100 && !recoveredAt; i++) {
      const r = await fetch(`${api.replace('/identity-store', '')}/health/ready`).catch(
        () => undefined,
      );
      if (r?.ok) recoveredAt = performance.now();
      else await sleep(100);
    }
    await sleep(2000);
    running = false;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at > stoppedAt + 100 && o.at < restartedAt);
    const slowest = Math.max(0, ...during.map((o) => o.ms));
    const all503 = during
      .filter((o) => o.status !== 200)
      .every((o) => o.status === 503 && o.code === 'DATABASE_UNAVAILABLE');
    const errors5xx = outcomes.filter((o) => o.status >= 500 && o.status !== 503).length;
    console.log(
      `outage: ${outcomes.length} registrations attempted, ${answered2xx.length} answered 2xx, ${during.length} during the outage (slowest ${slowest.toFixed(0)} ms), recovery ${recoveredAt ? ((recoveredAt - restartedAt) / 1000).toFixed(2) : 'never'} s after the restart`,
    );
    check(
      during.length > 0 && all503,
      'outage: failed requests during the outage are 503 DATABASE_UNAVAILABLE',
    );
    check(
      slowest <= 2100,
      `outage: every request during the outage answered within 2 s (slowest ${slowest.toFixed(0)} ms)`,
    );
    check(errors5xx === 0, `outage: no 5xx other than 503 (${errors5xx})`);
    check(
      hung.length === 0,
      `outage: every request got an answer within ${ANSWER_MS / 1000} s (${hung.length} did not${hung.length ? `: ${hung[0]}` : ''})`,
    );
    check(
      recoveredAt > 0 && recoveredAt - restartedAt <= 5000,
      'outage: the service recovers by itself within 5 s, without a restart',
    );
    const afterRecovery = outcomes.filter((o) => o.at > recoveredAt + 500);
    check(
      afterRecovery.some((o) => o.status === 200),
      'outage: registrations succeed again after the recovery',
    );
    const db = new Client({ connectionString: cluster.url });
    await db.connect();
    const { rows } = await db.query('SELECT id FROM passkeys WHERE id = ANY($1::uuid[])', [
      answered2xx,
    ]);
    await db.end();
    check(
      rows.length === answered2xx.length,
      `outage: every registration answered 2xx is in the database (${rows.length}/${answered2xx.length})`,
    );

    // ---- 3. webhooks: two instances, receiver down, a sender killed mid-delivery ----
    await webhookPhase({
      root: ROOT,
      dir,
      databaseUrl: cluster.url,
      platformKey: PLATFORM_KEY,
      kek: KEK,
      origin: ORIGIN,
      check,
    });
  } finally {
    service?.kill('SIGTERM');
    await sleep(500);
    await cluster.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }

  // ---- 4. failover: a primary with a synchronous standby, killed under load ----
  await failoverPhase({ root: ROOT, platformKey: PLATFORM_KEY, kek: KEK, origin: ORIGIN, check });
  report();
}

function report(): void {
  if (failures.length) {
    console.error(`\n${failures.length} reliability promise(s) broken`);
    process.exit(1);
  }
  console.log('\nreliability: all promises kept');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
