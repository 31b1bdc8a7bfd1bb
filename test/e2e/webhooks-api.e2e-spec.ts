/**
 * Webhook endpoints as an API: what URLs are refused (SSRF), what is validated, what is audited,
 * the delivery log's pages. The sender is off here unless a test turns it on.
 */
import { Client } from 'pg';
import { OutboxRepository } from '../../src/webhooks/outbox.repository';
import { call, createKey, expectStatus, tenantWithAdmin } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, TestApp } from '../support/test-app';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

const ENDPOINTS = '/api/identity-store/webhooks/endpoints';
/** A public address (IP literal: no DNS needed); the sender is off, nothing is sent there. */
const PUBLIC = 'http://93.184.215.14/hooks';

describe('webhook endpoints: the API', () => {
  let t: TestApp;
  let key: string;
  let tenant: string;
  const create = (body: Record<string, unknown>, as = key) =>
    call(t.app, 'POST', ENDPOINTS, { key: as, body: { events: ['*'], ...body } });

  beforeAll(async () => {
    t = await createTestApp();
    ({
      tenant,
      admin: { key },
    } = await tenantWithAdmin(t.app, 'hooks'));
  });
  afterAll(() => t.close());

  it('SSRF: refuses loopback, link-local, private, CGNAT, unspecified, multicast and host names resolving to them (400 WEBHOOK_URL_NOT_ALLOWED)', async () => {
    for (const url of [
      'http://127.0.0.1/hooks',
      'http://127.0.0.1:3000/hooks',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/hooks',
      'http://172.16.0.1/hooks',
      'http://192.168.0.10/hooks',
      'http://100.64.0.1/hooks',
      'http://0.0.0.0/hooks',
      'http://224.0.0.1/hooks',
      'http://[::1]/hooks',
      'http://[fe80::1]/hooks',
      'http://[fd12:3456::1]/hooks',
      'http://[::ffff:127.0.0.1]/hooks',
      'http://2130706433/hooks',
      'http://localhost/hooks',
      'http://localhost.:8080/hooks',
    ]) {
      const res = await create({ url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
      expectProblem(res, 400, 'WEBHOOK_URL_NOT_ALLOWED');
      expect(res.json().errors).toEqual([
        expect.objectContaining({ field: 'url', in: 'body', message: expect.any(String) }),
      ]);
    }
    expect((await create({ url: 'http://localhost/hooks' })).json().detail).toMatch(
      /resolves to a non-public address: (127\.0\.0\.1|::1) is loopback/,
    );
    const list = await call(t.app, 'GET', ENDPOINTS, { key });
    expect(list.json().totalElements).toBe(0);
  });

  it('refuses other schemes, credentials in the URL, unknown hosts; a changed URL is checked again', async () => {
    for (const url of [
      'ftp://93.184.215.14/x',
      'file:///etc/passwd',
      'https://user:pw@93.184.215.14/x',
      'not a url',
      'http://does-not-exist.invalid/x',
    ]) {
      expectProblem(await create({ url }), 400, 'WEBHOOK_URL_NOT_ALLOWED');
    }
    const ok = await create({ url: PUBLIC });
    expectStatus(ok, 201);
    const moved = await call(t.app, 'POST', `${ENDPOINTS}/${ok.json().id}`, {
      key,
      body: { url: 'http://169.254.169.254/' },
    });
    expectProblem(moved, 400, 'WEBHOOK_URL_NOT_ALLOWED');
    expect((await call(t.app, 'GET', `${ENDPOINTS}/${ok.json().id}`, { key })).json().url).toBe(
      PUBLIC,
    );
    await call(t.app, 'DELETE', `${ENDPOINTS}/${ok.json().id}`, { key });
  });

  it('validates event types against the audit event types (or *)', async () => {
    for (const events of [[], ['NOPE'], ['USER_LOCKED', 'USER_LOCKED'], 'USER_LOCKED', [7]]) {
      expectProblem(await create({ url: PUBLIC, events }), 400, 'VALIDATION_FAILED');
    }
    const ok = await create({ url: PUBLIC, events: ['USER_LOCKED', 'PASSKEY_DELETED'] });
    expectStatus(ok, 201);
    await call(t.app, 'DELETE', `${ENDPOINTS}/${ok.json().id}`, { key });
  });

  it('shows the secret once; reads, lists and changes never; create, update and delete are audited with the actor', async () => {
    const created = await create({ url: PUBLIC, description: 'CRM', events: ['USER_LOCKED'] });
    expectStatus(created, 201);
    const endpoint = created.json();
    expect(endpoint).toMatchObject({
      url: PUBLIC,
      events: ['USER_LOCKED'],
      description: 'CRM',
      active: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const url = `${ENDPOINTS}/${endpoint.id}`;
    const answers = [
      await call(t.app, 'GET', url, { key }),
      await call(t.app, 'GET', ENDPOINTS, { key }),
      await call(t.app, 'POST', url, { key, body: { active: false, events: ['*'] } }),
      await call(t.app, 'GET', `${url}/deliveries`, { key }),
    ];
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200);
      expect(answer.body).not.toContain(endpoint.secret.slice('whsec_'.length, 20));
      expect(answer.body).not.toMatch(/secret/i);
    }
    expect(answers[2].json()).toMatchObject({ active: false, events: ['*'], description: 'CRM' });
    expectStatus(await call(t.app, 'DELETE', url, { key }), 204);
    expectProblem(await call(t.app, 'GET', url, { key }), 404, 'WEBHOOK_ENDPOINT_NOT_FOUND');
    expectProblem(await call(t.app, 'DELETE', url, { key }), 404, 'WEBHOOK_ENDPOINT_NOT_FOUND');

    const audit = await call(t.app, 'GET', '/api/identity-store/auditEvents?size=100', { key });
    const mine = (audit.json().content as Record<string, any>[])
      .filter((e) => e.details.endpointId === endpoint.id)
      .reverse();
    expect(mine.map((e) => e.type)).toEqual([
      'WEBHOOK_ENDPOINT_CREATED',
      'WEBHOOK_ENDPOINT_UPDATED',
      'WEBHOOK_ENDPOINT_DELETED',
    ]);
    expect(mine[0].details).toEqual({
      endpointId: endpoint.id,
      host: '93.184.215.14',
      events: ['USER_LOCKED'],
      active: true,
    });
    expect(mine[1].details).toMatchObject({ changed: ['active', 'events'], active: false });
    for (const e of mine) expect(e.actorKeyId).toEqual(expect.any(String));
    expect(audit.body).not.toContain(endpoint.secret.slice('whsec_'.length, 20));
  });

  it('a tenant has at most 20 endpoints (409 MAX_WEBHOOK_ENDPOINTS_EXCEEDED)', async () => {
    const own = await tenantWithAdmin(t.app, 'many');
    const made = await Promise.all(
      Array.from({ length: 22 }, () => create({ url: PUBLIC }, own.admin.key)),
    );
    expect(made.filter((r) => r.statusCode === 201)).toHaveLength(20);
    for (const refused of made.filter((r) => r.statusCode !== 201)) {
      expectProblem(refused, 409, 'MAX_WEBHOOK_ENDPOINTS_EXCEEDED');
    }
  });

  it('pages the delivery log by cursor, newest first, filtered by status; pings and redeliveries need an active endpoint', async () => {
    const endpoint = (await create({ url: PUBLIC, events: ['USER_LOCKED'] })).json();
    const url = `${ENDPOINTS}/${endpoint.id}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ping = await call(t.app, 'POST', `${url}/ping`, { key });
      expectStatus(ping, 202);
      ids.push(ping.json().id);
    }
    const walked: string[] = [];
    let next: string | null = null;
    do {
      const page = await call(
        t.app,
        'GET',
        `${url}/deliveries?limit=2${next ? `&after=${next}` : ''}`,
        { key },
      );
      expectStatus(page, 200);
      expect(Object.keys(page.json()).sort()).toEqual(['content', 'limit', 'next']);
      walked.push(...page.json().content.map((d: { id: string }) => d.id));
      next = page.json().next;
    } while (next);
    expect(walked).toEqual([...ids].reverse());
    const pending = await call(t.app, 'GET', `${url}/deliveries?status=PENDING`, { key });
    expect(pending.json().content).toHaveLength(5);
    expect(pending.json().content[0]).toMatchObject({
      eventType: 'webhook.ping',
      status: 'PENDING',
      attempts: 0,
      lastError: null,
      nextAttemptAt: expect.any(String),
    });
    const failed = await call(t.app, 'GET', `${url}/deliveries?status=FAILED`, { key });
    expect(failed.json().content).toEqual([]);
    expectProblem(
      await call(t.app, 'GET', `${url}/deliveries?status=LOST`, { key }),
      400,
      'VALIDATION_FAILED',
    );

    expectProblem(
      await call(t.app, 'POST', `${url}/deliveries/${endpoint.id}/redeliver`, { key }),
      404,
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
    expectStatus(await call(t.app, 'POST', url, { key, body: { active: false } }), 200);
    // deactivating ended the waiting deliveries
    const ended = await call(t.app, 'GET', `${url}/deliveries?status=FAILED`, { key });
    expect(ended.json().content).toHaveLength(5);
    expect(ended.json().content[0]).toMatchObject({
      lastError: 'endpoint deactivated',
      nextAttemptAt: null,
    });
    expectProblem(
      await call(t.app, 'POST', `${url}/ping`, { key }),
      409,
      'WEBHOOK_ENDPOINT_INACTIVE',
    );
    expectProblem(
      await call(t.app, 'POST', `${url}/deliveries/${ids[0]}/redeliver`, { key }),
      409,
      'WEBHOOK_ENDPOINT_INACTIVE',
    );
    expectStatus(await call(t.app, 'POST', url, { key, body: { active: true } }), 200);
    const again = await call(t.app, 'POST', `${url}/deliveries/${ids[0]}/redeliver`, { key });
    expectStatus(again, 202);
    expect(again.json()).toMatchObject({ id: ids[0], status: 'PENDING', attempts: 0 });
    expectProblem(
      await call(t.app, 'GET', `${ENDPOINTS}/${ids[0]}/deliveries`, { key }),
      404,
      'WEBHOOK_ENDPOINT_NOT_FOUND',
    );
  });

  it('finished deliveries past IDS_WEBHOOK_RETENTION_DAYS are deleted; pending and recent ones stay', async () => {
    const endpoint = (await create({ url: PUBLIC, events: ['USER_LOCKED'] })).json();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}/ping`, { key })).json().id);
    }
    const client = new Client({ connectionString: t.database.url });
    await client.connect();
    try {
      const set = (id: string, status: string, daysAgo: number) =>
        client.query(
          `UPDATE webhook_deliveries SET status = $2, created_at = now() - make_interval(days => $3)
            WHERE id = $1`,
          [id, status, daysAgo],
        );
      await set(ids[0], 'SUCCEEDED', 31);
      await set(ids[1], 'FAILED', 31);
      await set(ids[2], 'PENDING', 31); // still being retried: kept whatever its age
      await set(ids[3], 'SUCCEEDED', 29);
      expect(await t.app.get(OutboxRepository).purgeFinished(30)).toBe(2);
      const { rows } = await client.query(
        'SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at',
        [endpoint.id],
      );
      expect(rows.map((r) => r.id)).toEqual([ids[2], ids[3]]);
    } finally {
      await client.end();
    }
  });

  it('needs its permissions: a key with only listWebhookEndpoints reads but cannot create', async () => {
    const reader = await createKey(t.app, tenant, [
      `TNT#${tenant}#IdentityStore:listWebhookEndpoints`,
    ]);
    expectStatus(await call(t.app, 'GET', ENDPOINTS, { key: reader.key }), 200);
    expectProblem(await create({ url: PUBLIC }, reader.key), 403, 'PERMISSION_DENIED');
  });

  it('choosing where or which events go is a read of the audit log: it also takes listAuditEvents', async () => {
    const op = (name: string) => `TNT#${tenant}#IdentityStore:${name}`;
    const hooker = await createKey(t.app, tenant, [
      op('createWebhookEndpoint'),
      op('updateWebhookEndpoint'),
    ]);
    const refused = expectProblem(
      await create({ url: PUBLIC }, hooker.key),
      403,
      'PERMISSION_DENIED',
    );
    expect(refused.detail).toContain('listAuditEvents');
    const endpoint = (await create({ url: PUBLIC })).json();
    const update = (body: unknown, as: string) =>
      call(t.app, 'POST', `${ENDPOINTS}/${endpoint.id}`, { key: as, body });
    // turning the integrator's endpoint towards another URL, or towards more events
    expectProblem(await update({ url: `${PUBLIC}/mine` }, hooker.key), 403, 'PERMISSION_DENIED');
    expectProblem(await update({ events: ['*'] }, hooker.key), 403, 'PERMISSION_DENIED');
    // what does not choose events stays with updateWebhookEndpoint
    expectStatus(await update({ description: 'renamed', active: false }, hooker.key), 200);
    const reader = await createKey(t.app, tenant, [
      op('createWebhookEndpoint'),
      op('updateWebhookEndpoint'),
      op('listAuditEvents'),
    ]);
    expectStatus(await create({ url: PUBLIC }, reader.key), 201);
    expectStatus(await update({ url: `${PUBLIC}/moved` }, reader.key), 200);
    await call(t.app, 'DELETE', `${ENDPOINTS}/${endpoint.id}`, { key });
  });
});

describe('webhook endpoints in production', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp({ config: { nodeEnv: 'production' } });
    key = (await tenantWithAdmin(t.app, 'prod')).admin.key;
  });
  afterAll(() => t.close());

  it('takes https URLs only', async () => {
    const body = (url: string) => ({ key, body: { url, events: ['*'] } });
    expectProblem(
      await call(t.app, 'POST', ENDPOINTS, body('http://93.184.215.14/hooks')),
      400,
      'WEBHOOK_URL_NOT_ALLOWED',
    );
    expectStatus(await call(t.app, 'POST', ENDPOINTS, body('https://93.184.215.14/hooks')), 201);
  });
});

describe('webhook targets checked again at delivery time', () => {
  let allowing: TestApp;
  let strict: TestApp;
  const r = new WebhookReceiver();

  beforeAll(async () => {
    await r.start();
    // one instance allows loopback targets (its sender off), the other does not (sender on)
    allowing = await createTestApp({
      config: { webhookAllowPrivateTargets: ['127.0.0.0/8', '::1/128'] },
    });
    strict = await createTestApp({
      database: allowing.database,
      config: { webhookPollMs: 50, webhookRetryBaseMs: 50, webhookRetryCapMs: 100 },
    });
  });
  afterAll(async () => {
    await strict.app.close();
    await allowing.close();
    await r.stop();
  });

  it('SSRF at delivery: a loopback target (by address or by name) saved elsewhere is refused and sent nothing', async () => {
    const { admin } = await tenantWithAdmin(allowing.app, 'rebind');
    const byName = r.url.replace('127.0.0.1', 'localhost');
    const endpoints: string[] = [];
    for (const url of [r.url, byName]) {
      const res = await call(allowing.app, 'POST', ENDPOINTS, {
        key: admin.key,
        body: { url, events: ['USER_LOCKED'] },
      });
      expectStatus(res, 201);
      endpoints.push(res.json().id);
      expectStatus(
        await call(allowing.app, 'POST', `${ENDPOINTS}/${res.json().id}/ping`, { key: admin.key }),
        202,
      );
    }
    for (const id of endpoints) {
      await eventually(async () => {
        const log = await call(strict.app, 'GET', `${ENDPOINTS}/${id}/deliveries`, {
          key: admin.key,
        });
        expect(log.json().content[0]).toMatchObject({
          attempts: expect.any(Number),
          lastStatusCode: null,
          lastError: expect.stringMatching(/^target refused: .*(127\.0\.0\.1|::1) is loopback/),
        });
        expect(log.json().content[0].attempts).toBeGreaterThanOrEqual(2);
      });
    }
    expect(r.requests).toEqual([]);
    // the database holds the refusals too: nothing was ever delivered
    const client = new Client({ connectionString: allowing.database.url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE delivered_at IS NOT NULL`,
    );
    await client.end();
    expect(rows[0].n).toBe(0);
  });
});
