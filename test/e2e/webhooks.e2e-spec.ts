/**
 * Webhooks end to end: the real app (its sender on, polling fast, short retries) delivers to real
 * HTTP receivers on loopback; every request is verified with the reference Standard Webhooks
 * library (`standardwebhooks`).
 */
import { Writable } from 'node:stream';
import { Client } from 'pg';
import type { AppConfig } from '../../src/config/app-config';
import { OutboxRepository } from '../../src/webhooks/outbox.repository';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import { call, expectStatus } from '../support/api';
import { authenticate, registerPasskey } from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

const ENDPOINTS = '/api/identity-store/webhooks/endpoints';

/** Fast polling and short retries, loopback receivers allowed. */
const FAST: Partial<AppConfig> = {
  webhookPollMs: 50,
  webhookAllowPrivateTargets: ['127.0.0.0/8'],
  webhookRetryBaseMs: 100,
  webhookRetryCapMs: 400,
  webhookMaxAttempts: 40,
  webhookTimeoutMs: 1000,
  webhookLeaseMs: 3000,
};

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

interface Endpoint {
  id: string;
  secret: string;
}

async function subscribe(
  t: TestApp,
  w: World,
  url: string,
  body: Record<string, unknown> = {},
): Promise<Endpoint> {
  const res = await call(t.app, 'POST', ENDPOINTS, {
    key: w.key,
    body: { url, events: ['*'], ...body },
  });
  expectStatus(res, 201);
  return res.json();
}

async function deliveries(t: TestApp, w: World, endpointId: string) {
  const res = await call(t.app, 'GET', `${ENDPOINTS}/${endpointId}/deliveries?limit=100`, {
    key: w.key,
  });
  expectStatus(res, 200);
  return res.json().content as Record<string, unknown>[];
}

async function sql<T = Record<string, unknown>>(
  t: TestApp,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: t.database.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('webhooks: delivery', () => {
  let t: TestApp;
  let w: World;
  const logs = capture();
  const receivers: WebhookReceiver[] = [];
  const secrets: string[] = [];
  const receiver = async () => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };
  const subscribed = async (url: string, body: Record<string, unknown> = {}) => {
    const endpoint = await subscribe(t, w, url, body);
    secrets.push(endpoint.secret);
    return endpoint;
  };

  beforeAll(async () => {
    t = await createTestApp({
      config: { ...FAST, logLevel: 'trace' },
      logDestination: logs.stream,
    });
    w = await passkeyWorld(t.app);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('a receiver on loopback gets every event of a registration and an authentication, each verified by the Standard Webhooks reference library', async () => {
    const r = await receiver();
    const endpoint = await subscribed(r.url);
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    expectStatus(await authenticate(t.app, w, device, user.id), 200);

    const events = await sql<{ id: string; type: string }>(
      t,
      `SELECT id, type FROM audit_events WHERE tenant_id = $1
          AND occurred_at >= (SELECT created_at FROM webhook_endpoints WHERE id = $2)`,
      [w.tenant, endpoint.id],
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'WEBHOOK_ENDPOINT_CREATED',
        'PASSKEY_REGISTRATION_STARTED',
        'PASSKEY_REGISTRATION_SUCCEEDED',
        'PASSKEY_AUTHENTICATION_STARTED',
        'PASSKEY_AUTHENTICATION_SUCCEEDED',
      ]),
    );
    await eventually(() =>
      expect(new Set(r.requests.map((q) => q.json.data.id))).toEqual(
        new Set(events.map((e) => e.id)),
      ),
    );
    r.verifyAll(endpoint.secret);
    const log = await deliveries(t, w, endpoint.id);
    for (const q of r.requests) {
      const event = events.find((e) => e.id === q.json.data.id)!;
      expect(q.json.type).toBe(event.type);
      expect(q.json.data).toMatchObject({ id: event.id, type: event.type, tenantId: w.tenant });
      expect(q.json.data).not.toHaveProperty('ip');
      expect(q.headers['content-type']).toBe('application/json');
      // the webhook-id is the delivery's id, as the delivery log shows it
      expect(log.find((d) => d.id === q.id)).toMatchObject({
        eventId: event.id,
        status: 'SUCCEEDED',
        attempts: 1,
        lastStatusCode: 200,
      });
    }
  });

  it('the receiver down (503, then not listening) and up again: every event arrives, retried under the same webhook-id', async () => {
    const r = await receiver();
    const endpoint = await subscribed(r.url, { events: ['PASSKEY_REGISTRATION_SUCCEEDED'] });
    r.behaviour = { status: 503 };
    const device = new SoftAuthenticator();
    const users = [await w.newUser(), await w.newUser()];
    const first = await registerPasskey(t.app, w, device, users[0].id);
    await eventually(() => expect(r.requests.length).toBeGreaterThanOrEqual(3));
    await r.stop();
    const second = await registerPasskey(t.app, w, device, users[1].id);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // refused connections meanwhile
    r.behaviour = {};
    await r.start();
    const log = await eventually(async () => {
      const rows = await deliveries(t, w, endpoint.id);
      expect(rows.map((d) => d.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      return rows;
    });
    r.verifyAll(endpoint.secret);
    const passkeys = r.requests
      .filter((q) => q.json.type === 'PASSKEY_REGISTRATION_SUCCEEDED')
      .map((q) => q.json.data.details as Record<string, unknown>);
    expect(passkeys.map((d) => d.passkeyId)).toEqual(
      expect.arrayContaining([first.passkeyId, second.passkeyId]),
    );
    for (const d of log) {
      const attempts = r.of(d.id as string);
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      expect(new Set(attempts.map((q) => q.body)).size).toBe(1); // the same bytes every time
      expect(d.attempts).toBeGreaterThan(1);
    }
  });

  it('an inactive endpoint gets nothing; deactivating one ends what waited for a retry', async () => {
    const idle = await receiver();
    const inactive = await subscribed(idle.url, { active: false });
    const flaky = await receiver();
    flaky.behaviour = { status: 500 };
    const deactivated = await subscribed(flaky.url);
    const user = await w.newUser();
    await registerPasskey(t.app, w, new SoftAuthenticator(), user.id);
    await eventually(() => expect(flaky.requests.length).toBeGreaterThan(2));
    expectStatus(
      await call(t.app, 'POST', `${ENDPOINTS}/${deactivated.id}`, {
        key: w.key,
        body: { active: false },
      }),
      200,
    );
    const seen = flaky.requests.length;
    const waiting = (await deliveries(t, w, deactivated.id)).length;
    await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(idle.requests).toEqual([]);
    expect(await deliveries(t, w, inactive.id)).toEqual([]);
    // nothing after the deactivation but what was on the wire then
    expect(flaky.requests.length).toBeLessThanOrEqual(seen + waiting);
    const ended = await deliveries(t, w, deactivated.id);
    expect(ended.length).toBeGreaterThan(0);
    for (const d of ended) {
      expect(d).toMatchObject({ status: 'FAILED', nextAttemptAt: null });
    }
    expect(ended.some((d) => d.lastError === 'endpoint deactivated')).toBe(true);
    expectStatus(
      await call(t.app, 'POST', `${ENDPOINTS}/${inactive.id}/ping`, { key: w.key }),
      409,
    );
  });

  it('a secret rotation signs with both secrets for the overlap (any Standard Webhooks library verifies with either), then with the new one only', async () => {
    const r = await receiver();
    const endpoint = await subscribed(r.url, { events: ['PASSKEY_REGISTRATION_SUCCEEDED'] });
    const rotate = (body: unknown) =>
      call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/rotateSecret`, { key: w.key, body });
    const rotated = await rotate({});
    expectStatus(rotated, 200);
    const { secret, previousSecretExpiresAt } = rotated.json();
    secrets.push(secret);
    expect(secret).toMatch(/^whsec_/);
    expect(Date.parse(previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 86_000_000);
    await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
    await eventually(() => expect(r.requests.length).toBe(1));
    expect(r.requests[0].signature.split(' ')).toHaveLength(2);
    r.verifyAll(secret);
    r.verifyAll(endpoint.secret); // a receiver not switched yet still verifies
    // another rotation inside the overlap would stop the secret a receiver may still use
    expectProblem(await rotate({ overlapSeconds: 60 }), 409, 'WEBHOOK_SECRET_ROTATING');
    // at once (a leak): only the newest signs
    const third = await rotate({ overlapSeconds: 0 });
    expect(third.json().previousSecretExpiresAt).toBeNull();
    secrets.push(third.json().secret);
    r.requests.length = 0;
    await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
    await eventually(() => expect(r.requests.length).toBe(1));
    r.verifyAll(third.json().secret);
    expect(() => r.verifyAll(secret)).toThrow();
    expect(() => r.verifyAll(endpoint.secret)).toThrow();
    // an overlap that has ended: the previous secret no longer signs
    const fourth = await rotate({ overlapSeconds: 1 });
    expectStatus(fourth, 200);
    secrets.push(fourth.json().secret);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    r.requests.length = 0;
    await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
    await eventually(() => expect(r.requests.length).toBe(1));
    expect(r.requests[0].signature.split(' ')).toHaveLength(1);
    r.verifyAll(fourth.json().secret);
  });

  it('a receiver answering 410 Gone turns its endpoint off after that one attempt (Standard Webhooks)', async () => {
    const gone = await receiver();
    gone.behaviour = { status: 410 };
    const endpoint = await subscribed(gone.url);
    await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
    const read = async () =>
      (await call(t.app, 'GET', `${ENDPOINTS}/${endpoint.id}`, { key: w.key })).json();
    await eventually(async () => expect((await read()).active).toBe(false));
    const log = await deliveries(t, w, endpoint.id);
    expect(log.some((d) => d.status === 'FAILED' && d.lastStatusCode === 410)).toBe(true);
    // retried 35 times before (review): one request per delivery
    expect(gone.requests.length).toBeLessThanOrEqual(log.length);
    // said in the audit log, with no API key: the receiver turned it off
    const audited = (
      await call(
        t.app,
        'GET',
        '/api/identity-store/auditEvents?type=WEBHOOK_ENDPOINT_UPDATED&size=100',
        {
          key: w.key,
        },
      )
    )
      .json()
      .content.filter(
        (e: { details: { endpointId: string } }) => e.details.endpointId === endpoint.id,
      );
    expect(audited).toEqual([
      expect.objectContaining({
        actorKeyId: null,
        details: expect.objectContaining({
          active: false,
          reason: 'the receiver answered 410 Gone',
          host: new URL(gone.url).host,
        }),
      }),
    ]);
    // a late 410 from a URL the endpoint no longer has turns nothing off
    const moved = await subscribed((await receiver()).url);
    const outbox = t.app.get(OutboxRepository);
    expect(await outbox.deactivateGone(w.tenant, moved.id, 'https://old.example/hook')).toBe(
      'moved',
    );
    const read2 = await call(t.app, 'GET', `${ENDPOINTS}/${moved.id}`, { key: w.key });
    expect(read2.json().active).toBe(true);
  });

  it('redirects are not followed: a 302 to another receiver is a failure, and that receiver sees nothing', async () => {
    const elsewhere = await receiver();
    const redirecting = await receiver();
    redirecting.behaviour = { status: 302, location: elsewhere.url };
    const endpoint = await subscribed(redirecting.url);
    const ping = await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key: w.key });
    expectStatus(ping, 202);
    await eventually(async () =>
      expect(
        (await deliveries(t, w, endpoint.id)).find((d) => d.id === ping.json().id),
      ).toMatchObject({
        status: 'PENDING',
        lastStatusCode: 302,
        lastError: 'redirect not followed (HTTP 302)',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(redirecting.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests).toEqual([]);
    await call(t.app, 'DELETE', `${ENDPOINTS}/${endpoint.id}`, { key: w.key });
  });

  it('a ping is a signed webhook.ping through the outbox; a redelivery resends under the same webhook-id', async () => {
    const r = await receiver();
    const endpoint = await subscribed(r.url, { events: ['USER_LOCKED'] });
    const ping = await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key: w.key });
    expectStatus(ping, 202);
    expect(ping.json()).toMatchObject({
      eventType: 'webhook.ping',
      status: 'PENDING',
      attempts: 0,
    });
    await eventually(() => expect(r.requests).toHaveLength(1));
    expect(r.requests[0].id).toBe(ping.json().id);
    expect(r.requests[0].json).toMatchObject({
      type: 'webhook.ping',
      data: { endpointId: endpoint.id, tenantId: w.tenant },
    });
    const again = await call(
      t.app,
      'POST',
      `${ENDPOINTS}/${endpoint.id}/deliveries/${ping.json().id}/redeliver`,
      { key: w.key },
    );
    expectStatus(again, 202);
    await eventually(() => expect(r.requests).toHaveLength(2));
    expect(r.requests[1].id).toBe(r.requests[0].id);
    expect(r.requests[1].body).toBe(r.requests[0].body);
    r.verifyAll(endpoint.secret);
  });

  it("a ping's and a redelivery's 202 describe the delivery they queued, even once the sender has already tried it", async () => {
    const r = await receiver();
    const endpoint = await subscribed(r.url, { events: ['USER_LOCKED'] });
    // The app's own write is held back from it until the sender (another connection of the
    // same app) has sent the delivery: what a busy instance does between two statements.
    const queued = [
      /^\s*INSERT INTO "?webhook_deliveries"?[\s\S]*'webhook\.ping'/,
      /^\s*UPDATE "?webhook_deliveries"?\s+SET\s+"?status"?\s*=\s*('PENDING'|\$1)/,
    ];
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    let sentBefore = 0;
    (Client.prototype as unknown as { query: typeof query }).query = function (
      this: Client,
      ...args: unknown[]
    ) {
      const result = query.apply(this, args);
      const first = args[0] as string | { text?: string };
      const text = typeof first === 'string' ? first : first?.text;
      if (typeof text !== 'string' || !queued.some((q) => q.test(text))) return result;
      const sent = sentBefore + 1;
      return (result as Promise<unknown>).then(async (answer) => {
        await eventually(() => expect(r.requests).toHaveLength(sent));
        return answer;
      });
    };
    try {
      const ping = await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key: w.key });
      expectStatus(ping, 202);
      expect(ping.json()).toMatchObject({ status: 'PENDING', attempts: 0, lastAttemptAt: null });
      await eventually(async () =>
        expect(
          (await deliveries(t, w, endpoint.id)).find((d) => d.id === ping.json().id),
        ).toMatchObject({ status: 'SUCCEEDED', attempts: 1 }),
      );
      sentBefore = 1;
      const again = await call(
        t.app,
        'POST',
        `${ENDPOINTS}/${endpoint.id}/deliveries/${ping.json().id}/redeliver`,
        { key: w.key },
      );
      expectStatus(again, 202);
      expect(again.json()).toMatchObject({
        id: ping.json().id,
        status: 'PENDING',
        attempts: 0,
      });
      expect(r.requests).toHaveLength(2);
    } finally {
      (Client.prototype as unknown as { query: typeof query }).query = query;
    }
  });

  it('the outbox is transactional: a rolled-back event has no delivery, a committed one has one per subscribed active endpoint; platform events none', async () => {
    const r = await receiver();
    r.behaviour = { status: 500, delayMs: 0 };
    const locked = await subscribed(r.url, { events: ['USER_LOCKED'], active: false });
    const client = new Client({ connectionString: t.database.url });
    await client.connect();
    try {
      await client.query(`UPDATE webhook_endpoints SET active = true WHERE id = $1`, [locked.id]);
      const insert = (tenant: string | null, type: string) =>
        client.query(
          `INSERT INTO audit_events (tenant_id, type, details) VALUES ($1, $2, '{}') RETURNING id`,
          [tenant, type],
        );
      const count = async (eventId: string) =>
        Number(
          (
            await client.query(
              'SELECT count(*) AS n FROM webhook_deliveries WHERE event_id = $1 AND endpoint_id = $2',
              [eventId, locked.id],
            )
          ).rows[0].n,
        );
      await client.query('BEGIN');
      const rolledBack = (await insert(w.tenant, 'USER_LOCKED')).rows[0].id;
      await client.query('ROLLBACK');
      expect(await count(rolledBack)).toBe(0);
      const committed = (await insert(w.tenant, 'USER_LOCKED')).rows[0].id;
      expect(await count(committed)).toBe(1);
      const other = (await insert(w.tenant, 'USER_UNLOCKED')).rows[0].id;
      expect(await count(other)).toBe(0);
      const platform = (await insert('*', 'USER_LOCKED')).rows[0].id;
      const { rows } = await client.query(
        'SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_id = $1',
        [platform],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await client.query(`UPDATE webhook_endpoints SET active = false WHERE id = $1`, [locked.id]);
      await client.end();
    }
  });

  it('secrets never reach the logs or any answer after the creation', async () => {
    const r = await receiver();
    const endpoint = await subscribed(r.url);
    await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key: w.key });
    await eventually(() => expect(r.requests.length).toBeGreaterThan(0));
    const answers = [
      await call(t.app, 'GET', ENDPOINTS, { key: w.key }),
      await call(t.app, 'GET', `${ENDPOINTS}/${endpoint.id}`, { key: w.key }),
      await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}`, {
        key: w.key,
        body: { description: 'renamed' },
      }),
      await call(t.app, 'GET', `${ENDPOINTS}/${endpoint.id}/deliveries`, { key: w.key }),
      await call(t.app, 'GET', '/api/identity-store/auditEvents?size=100', { key: w.key }),
    ];
    const text = logs.text();
    expect(text).toContain('webhook delivery'); // the sender did log, at trace level
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      const raw = Buffer.from(secret.slice('whsec_'.length), 'base64');
      for (const form of [
        secret,
        secret.slice(6),
        raw.toString('base64url'),
        raw.toString('hex'),
      ]) {
        expect(text).not.toContain(form);
        for (const answer of answers) expect(answer.body).not.toContain(form);
      }
    }
    for (const answer of answers.slice(0, 3)) expect(answer.body).not.toMatch(/secret/i);
    // at rest: sealed under the KEK, never in clear
    const [row] = await sql<{ secret_sealed: string }>(
      t,
      'SELECT secret_sealed FROM webhook_endpoints WHERE id = $1',
      [endpoint.id],
    );
    expect(row.secret_sealed.split('.')).toHaveLength(5);
    expect(row.secret_sealed).not.toContain(endpoint.secret.slice(6));
  });
});

describe('webhooks: retries stop at the limit', () => {
  let t: TestApp;
  let w: World;
  const r = new WebhookReceiver();

  beforeAll(async () => {
    await r.start();
    t = await createTestApp({
      config: { ...FAST, webhookMaxAttempts: 3, webhookRetryBaseMs: 50, webhookRetryCapMs: 100 },
    });
    w = await passkeyWorld(t.app);
  });
  afterAll(async () => {
    await t.close();
    await r.stop();
  });

  it('a receiver that always fails gets exactly the maximum of attempts, then the delivery is FAILED', async () => {
    r.behaviour = { status: 500 };
    const endpoint = await subscribe(t, w, r.url, { events: ['USER_LOCKED'] });
    const ping = await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key: w.key });
    const id = ping.json().id as string;
    await eventually(async () =>
      expect((await deliveries(t, w, endpoint.id))[0]).toMatchObject({
        id,
        status: 'FAILED',
        attempts: 3,
        lastStatusCode: 500,
        lastError: 'HTTP 500',
        nextAttemptAt: null,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(r.of(id)).toHaveLength(3);
    r.verifyAll(endpoint.secret);
    // a redelivery starts the schedule over: the fixed receiver gets it
    r.behaviour = {};
    expectStatus(
      await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/deliveries/${id}/redeliver`, {
        key: w.key,
      }),
      202,
    );
    await eventually(async () =>
      expect((await deliveries(t, w, endpoint.id))[0]).toMatchObject({
        status: 'SUCCEEDED',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
      }),
    );
    expect(r.of(id)).toHaveLength(4);
  });

  it('a receiver that does not answer in time is a failure (timeout), retried', async () => {
    r.behaviour = { delayMs: 1500 };
    const endpoint = await subscribe(t, w, r.url, { events: ['USER_LOCKED'] });
    const ping = await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key: w.key });
    await eventually(async () =>
      expect((await deliveries(t, w, endpoint.id))[0]).toMatchObject({
        id: ping.json().id,
        lastError: 'no answer within 1000 ms',
      }),
    );
    r.behaviour = {};
  });
});

describe('webhooks: two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let w: World;
  const r = new WebhookReceiver();

  beforeAll(async () => {
    await r.start();
    a = await createTestApp({ config: FAST });
    b = await createTestApp({ database: a.database, config: FAST });
    w = await passkeyWorld(a.app);
  });
  let bClosed = false;
  afterAll(async () => {
    if (!bClosed) await b.app.close();
    await a.close();
    await r.stop();
  });

  it('share the outbox: every event is delivered at least once, also after one of them stops', async () => {
    const endpoint = await subscribe(a, w, r.url);
    r.behaviour = { delayMs: 100 };
    const device = new SoftAuthenticator();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      const app = i % 2 ? a.app : b.app;
      work.push(
        w.newUser().then(async (user) => {
          await registerPasskey(app, w, device, user.id);
          expectStatus(await authenticate(app, w, device, user.id), 200);
        }),
      );
    }
    await Promise.all(work);
    await b.app.close(); // B finishes what it has on the wire and stops; A carries on
    bClosed = true;
    const events = await sql<{ id: string }>(
      a,
      `SELECT id FROM audit_events WHERE tenant_id = $1
          AND occurred_at >= (SELECT created_at FROM webhook_endpoints WHERE id = $2)`,
      [w.tenant, endpoint.id],
    );
    expect(events.length).toBeGreaterThanOrEqual(6 * 4);
    await eventually(
      () =>
        expect(new Set(r.requests.map((q) => q.json.data.id))).toEqual(
          new Set(events.map((e) => e.id)),
        ),
      20_000,
    );
    r.verifyAll(endpoint.secret);
    // the last requests may still be on the wire (the receiver answers after 100 ms)
    await eventually(async () => {
      const rows = await sql<{ status: string; n: number }>(
        a,
        `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`,
        [endpoint.id],
      );
      expect(rows).toEqual([{ status: 'SUCCEEDED', n: events.length }]);
    }, 10_000);
  });
});

describe('webhooks: one endpoint with a backlog', () => {
  it('drains without waiting for the next poll: while a claim is cut by the per-endpoint cap, each finished delivery claims again', async () => {
    const r = await new WebhookReceiver().start();
    // the timer would claim again only after a minute: what drains the backlog is the sender
    const t = await createTestApp({ config: { ...FAST, webhookPollMs: 60_000 } });
    try {
      const w = await passkeyWorld(t.app);
      const endpoint = await subscribe(t, w, r.url);
      await sql(t, 'DELETE FROM webhook_deliveries WHERE tenant_id = $1', [w.tenant]);
      await sql(
        t,
        `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
         SELECT $1, $2, gen_random_uuid(), 'webhook.ping', '{}' FROM generate_series(1, 30)`,
        [w.tenant, endpoint.id],
      );
      // one claim takes the endpoint's share, far below the instance's free slots
      const cap = t.config.webhookEndpointConcurrency;
      expect(await t.app.get(WebhookDispatcher).tick()).toBe(cap);
      expect(t.config.webhookConcurrency).toBeGreaterThan(cap);
      await eventually(async () => {
        const rows = await sql<{ status: string; n: number }>(
          t,
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`,
          [endpoint.id],
        );
        expect(rows).toEqual([{ status: 'SUCCEEDED', n: 30 }]);
      }, 10_000);
      expect(r.requests).toHaveLength(30);
    } finally {
      await t.close();
      await r.stop();
    }
  });
});

describe('webhooks: an instance that dies after claiming', () => {
  it('its claimed delivery is left alone until the lease is over, then another instance sends it', async () => {
    const r = await new WebhookReceiver().start();
    // the instance that claims and dies: its sender is off, it claims by hand
    const dead = await createTestApp({ config: { ...FAST, webhookPollMs: 0 } });
    let live: TestApp | undefined;
    try {
      const w = await passkeyWorld(dead.app);
      const endpoint = await subscribe(dead, w, r.url, { events: ['USER_LOCKED'] });
      const ping = await call(dead.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, {
        key: w.key,
      });
      const claimedAt = Date.now();
      const claimed = await dead.app.get(OutboxRepository).claim(100, 2500, 40);
      expect(claimed.map((c) => c.id)).toEqual([ping.json().id]);
      live = await createTestApp({ database: dead.database, config: FAST });
      await eventually(() => expect(r.requests).toHaveLength(1));
      // claimed: the live instance left it alone until the lease was over
      expect(r.requests[0].at).toBeGreaterThanOrEqual(claimedAt + 2500);
      expect(r.requests[0].id).toBe(ping.json().id);
      r.verifyAll(endpoint.secret);
      await eventually(async () =>
        expect((await deliveries(live!, w, endpoint.id))[0]).toMatchObject({
          status: 'SUCCEEDED',
          attempts: 2,
        }),
      );
      // the dead instance's late outcome no longer counts
      expect(await dead.app.get(OutboxRepository).failed(claimed[0], 500, 'late', 1000)).toBe(
        false,
      );
    } finally {
      await live?.app.close();
      await dead.close();
      await r.stop();
    }
  });
});
