/**
 * The webhook phase of `npm run reliability`: two instances of the service (children of
 * dist/main.js, production mode) on one PostgreSQL, an HTTPS receiver on loopback (its test CA
 * trusted through NODE_EXTRA_CA_CERTS). The receiver is down while registrations and
 * authentications flow, comes back answering slowly, and one sending instance is SIGKILLed with
 * requests on the wire. At the end every event of the run's ceremonies must have reached the
 * receiver at least once with a valid Standard Webhooks signature (the reference library).
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../../bench/http';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { must, seedTenant } from './seed';

x509.cryptoProvider.set(webcrypto as never);

export interface PhaseContext {
  root: string;
  dir: string;
  databaseUrl: string;
  platformKey: string;
  kek: string;
  origin: string;
  check: (ok: boolean, what: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 4000;

/** A CA and a `localhost` server certificate signed by it (PEM). */
async function testTls(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const day = 86_400_000;
  const gen = () =>
    webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
  const caKeys = await gen();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Identity Store reliability CA',
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + day),
    signingAlgorithm: alg,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const keys = await gen();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + day),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem };
}

interface Seen {
  id: string;
  eventId: string;
  valid: boolean;
  at: number;
}

/** An HTTPS receiver that can be down, slow, or fine; it records and verifies what it reads. */
class Receiver {
  seen: Seen[] = [];
  /** Requests whose connection closed before they were answered (a sender killed mid-delivery). */
  cut = 0;
  open = 0;
  delayMs = 0;
  secret = '';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly tls: { certPem: string; keyPem: string },
    readonly port: number,
  ) {}

  async up(): Promise<void> {
    const server = createServer({ cert: this.tls.certPem, key: this.tls.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      this.open++;
      let answered = false;
      res.on('close', () => {
        this.open--;
        if (!answered) this.cut++;
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let valid = true;
        try {
          new Webhook(this.secret).verify(body, {
            'webhook-id': String(req.headers['webhook-id']),
            'webhook-timestamp': String(req.headers['webhook-timestamp']),
            'webhook-signature': String(req.headers['webhook-signature']),
          });
        } catch {
          valid = false;
        }
        this.seen.push({
          id: String(req.headers['webhook-id']),
          eventId: String(JSON.parse(body).data?.id),
          valid,
          at: Date.now(),
        });
        setTimeout(() => {
          answered = true;
          res.writeHead(200).end('ok');
        }, this.delayMs);
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function webhookPhase(ctx: PhaseContext): Promise<void> {
  const started = Date.now();
  const tls = await testTls();
  const caFile = join(ctx.dir, 'webhook-test-ca.pem');
  writeFileSync(caFile, tls.caPem);
  const receiver = new Receiver(tls, await freePort());
  const instances: { port: number; child: ChildProcess }[] = [];
  const startInstance = async () => {
    const port = await freePort();
    const child = fork(join(ctx.root, 'dist', 'main.js'), [], {
      env: {
        ...process.env,
        DATABASE_URL: ctx.databaseUrl,
        PORT: String(port),
        LOG_LEVEL: 'error',
        NODE_ENV: 'production',
        IDS_PLATFORM_API_KEY: ctx.platformKey,
        IDS_KEK: ctx.kek,
        IDS_DEMO_ENABLED: 'false',
        IDS_PURGE_INTERVAL_SECONDS: '0',
        IDS_WEBHOOK_POLL_MS: '100',
        IDS_WEBHOOK_CONCURRENCY: '8',
        IDS_WEBHOOK_TIMEOUT_MS: '3000',
        IDS_WEBHOOK_LEASE_MS: String(LEASE_MS),
        IDS_WEBHOOK_RETRY_BASE_MS: '200',
        IDS_WEBHOOK_RETRY_CAP_MS: '1000',
        IDS_WEBHOOK_MAX_ATTEMPTS: '200',
        IDS_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1/128',
        NODE_EXTRA_CA_CERTS: caFile,
      },
      stdio: 'inherit',
    });
    instances.push({ port, child });
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/health/ready`).catch(() => undefined);
      if (res?.ok) return `http://127.0.0.1:${port}/api/identity-store`;
      await sleep(100);
    }
    throw new Error('webhook phase: an instance did not start');
  };
  const stopAll = () => instances.forEach((i) => i.child.kill('SIGKILL'));
  process.once('exit', stopAll);

  try {
    const [apiA, apiB] = await Promise.all([startInstance(), startInstance()]);
    const { K } = await seedTenant(
      apiA,
      ctx.platformKey,
      { id: 'hooks', name: 'Webhooks' },
      ctx.origin,
    );
    const endpoint = await must(
      `${apiA}/webhooks/endpoints`,
      { url: `https://localhost:${receiver.port}/hooks`, events: ['*'] },
      K,
    );
    receiver.secret = endpoint.secret;

    // ceremonies through both instances while the receiver is down, then up but slow
    const device = new SoftAuthenticator();
    let running = true;
    let killed = false;
    const ceremonies = [0, 0];
    let n = 0;
    const ceremony = async (api: string, instance: number) => {
      const ext = `hook-user-${n++}`;
      const reg = await must(
        `${api}/hooks/stores/s/users/${ext}/passkeys/relyingParties/localhost/registrations/default/ext`,
        { createUser: true },
        K,
      );
      const done = await must(
        `${api}/stores/s/passkeys/registrations/sessions/${reg.sessionId}`,
        { clientResponse: device.register(reg.clientRequest, ctx.origin) },
        K,
      );
      const auth = await must(
        `${api}/stores/s/users/${done.userId}/passkeys/relyingParties/localhost/authentications/default`,
        {},
        K,
      );
      await must(
        `${api}/stores/s/passkeys/authentications/sessions/${auth.sessionId}`,
        { clientResponse: device.authenticate(auth.clientRequest, ctx.origin) },
        K,
      );
      ceremonies[instance]++;
    };
    const workers = [apiA, apiB].map(async (api, i) => {
      // worker A stops when its instance is killed; B goes on until the end of the load
      while (running && (i === 1 || !killed)) {
        await ceremony(api, i).catch((error: Error) => {
          if (i === 1 || !killed) throw error;
        });
      }
    });
    await sleep(3000); // receiver down: connections refused, deliveries retried
    receiver.delayMs = 1500;
    await receiver.up();
    let inFlight = 0;
    for (let i = 0; i < 50 && inFlight < 6; i++) {
      await sleep(100);
      inFlight = receiver.open;
    }
    killed = true;
    instances[0].child.kill('SIGKILL'); // A dies with requests on the wire
    const killedAt = Date.now();
    await sleep(1000);
    receiver.delayMs = 0;
    await sleep(1000);
    running = false;
    await Promise.all(workers);

    // every event of the run's ceremonies, and everything else of the tenant since the endpoint
    const db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    const { rows: events } = await db.query<{ id: string; type: string; at: Date }>(
      `SELECT id, type, occurred_at AS at FROM audit_events
        WHERE tenant_id = 'hooks' AND occurred_at >= (SELECT created_at FROM webhook_endpoints
                                                      WHERE tenant_id = 'hooks' AND id = $1)`,
      [endpoint.id],
    );
    const want = new Set(events.map((e) => e.id));
    const received = () => new Set(receiver.seen.filter((s) => s.valid).map((s) => s.eventId));
    const statuses = async () =>
      (
        await db.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE tenant_id = 'hooks' GROUP BY status`,
        )
      ).rows;
    const deadline = Date.now() + LEASE_MS + 15_000;
    let deliveries = await statuses();
    while (
      ([...want].some((id) => !received().has(id)) ||
        deliveries.some((d) => d.status === 'PENDING')) &&
      Date.now() < deadline
    ) {
      await sleep(200);
      deliveries = await statuses();
    }
    await db.end();

    const got = received();
    const missing = [...want].filter((id) => !got.has(id));
    const ceremonyEvents = events.filter((e) => e.type.startsWith('PASSKEY_'));
    const firstSeen = new Map<string, number>();
    for (const s of receiver.seen) {
      if (s.valid && !firstSeen.has(s.eventId)) firstSeen.set(s.eventId, s.at);
    }
    const delays = events
      .filter((e) => firstSeen.has(e.id))
      .map((e) => firstSeen.get(e.id)! - e.at.getTime());
    const distinctIds = new Set(receiver.seen.map((s) => s.id)).size;
    const invalid = receiver.seen.filter((s) => !s.valid).length;
    const byStatus = Object.fromEntries(deliveries.map((d) => [d.status, d.n]));
    console.log(
      `webhooks: ${ceremonies[0]} + ${ceremonies[1]} ceremonies (instance A, B), ${events.length} events (${ceremonyEvents.length} of ceremonies), ` +
        `${Object.values(byStatus).reduce((a, b) => a + b, 0)} deliveries ${JSON.stringify(byStatus)}, ` +
        `${receiver.seen.length} requests received, ${receiver.seen.length - distinctIds} duplicates, ` +
        `${receiver.cut} cut by the kill (${inFlight} on the wire when killed), ` +
        `max delay ${(Math.max(0, ...delays) / 1000).toFixed(1)} s, ` +
        `all in ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill; phase ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    ctx.check(
      ceremonies[0] > 0 && ceremonies[1] > 0,
      `webhooks: registrations and authentications ran through both instances (${ceremonies.join(' + ')})`,
    );
    ctx.check(
      inFlight > 0 && receiver.cut > 0,
      `webhooks: an instance was killed with deliveries on the wire (${receiver.cut} cut)`,
    );
    ctx.check(
      missing.length === 0,
      `webhooks: every event since the endpoint reached the receiver at least once, signed (${want.size - missing.length}/${want.size})`,
    );
    ctx.check(
      invalid === 0,
      `webhooks: every signature verifies (Standard Webhooks) (${invalid} bad)`,
    );
    ctx.check(
      byStatus.SUCCEEDED === want.size && !byStatus.FAILED && !byStatus.PENDING,
      `webhooks: every delivery ends SUCCEEDED (${JSON.stringify(byStatus)})`,
    );
  } finally {
    stopAll();
    process.removeListener('exit', stopAll);
    await receiver.down();
  }
}
