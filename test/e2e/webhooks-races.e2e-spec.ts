/**
 * The outbox under concurrent changes and a slow receiver (the review of issue 17): an endpoint
 * deleted while events are written, one endpoint's backlog against the others, deliveries of a
 * deactivated endpoint. The sender is off; the tests drive the claims themselves.
 */
import { Client } from 'pg';
import { Fairness, OutboxRepository } from '../../src/webhooks/outbox.repository';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { createTestApp, TestApp } from '../support/test-app';

const ENDPOINTS = '/api/identity-store/webhooks/endpoints';
const PUBLIC = 'http://93.184.215.14/hooks';

describe('webhook outbox: races and fairness', () => {
  let t: TestApp;
  let db: Client;
  let key: string;
  let tenant: string;

  const endpoint = async (url = PUBLIC, events = ['*']) => {
    const res = await call(t.app, 'POST', ENDPOINTS, { key, body: { url, events } });
    expectStatus(res, 201);
    return res.json().id as string;
  };

  /** Caps of 4 per endpoint and 16 per tenant (no tenant cap), unless given. */
  const fair = (f: Partial<Fairness>): Fairness => ({
    perEndpoint: 4,
    onTheWire: new Map(),
    perTenant: 16,
    tenantsOnTheWire: new Map(),
    ...f,
  });

  beforeAll(async () => {
    t = await createTestApp();
    ({
      tenant,
      admin: { key },
    } = await tenantWithAdmin(t.app, 'races'));
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('an endpoint deleted while an event is written: the request succeeds, the event goes nowhere (no 500)', async () => {
    const id = await endpoint();
    const deleter = new Client({ connectionString: t.database.url });
    await deleter.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query('DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [
        tenant,
        id,
      ]);
      // a change of the tenant (an audited store creation) while the delete is uncommitted
      const change = call(t.app, 'POST', '/api/identity-store/stores', {
        key,
        body: { name: 'during-delete' },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await deleter.query('COMMIT');
      expectStatus(await change, 201);
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1',
        [id],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await deleter.end();
    }
  });

  it('one endpoint with a backlog cannot take every slot of a claim; the others are served', async () => {
    const slow = await endpoint();
    const other = await endpoint();
    const insert = (endpointId: string, n: number) =>
      db.query(
        `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
         SELECT $1, $2, gen_random_uuid(), 'webhook.ping', '{}' FROM generate_series(1, $3)`,
        [tenant, endpointId, n],
      );
    // only these rows (creating an endpoint is itself an event, delivered to '*' subscribers)
    await db.query('DELETE FROM webhook_deliveries WHERE tenant_id = $1', [tenant]);
    await insert(slow, 30);
    await insert(other, 2);
    const outbox = t.app.get(OutboxRepository);
    const claimed = await outbox.claim(16, 60_000, 10, fair({}));
    const count = (id: string) => claimed.filter((d) => d.endpointId === id).length;
    expect({ slow: count(slow), other: count(other) }).toEqual({ slow: 4, other: 2 });
    // an endpoint this instance already has enough of on the wire is left for later
    const next = await outbox.claim(16, 60_000, 10, fair({ onTheWire: new Map([[slow, 4]]) }));
    expect(next.filter((d) => d.endpointId === slow)).toEqual([]);
    // and one with some on the wire gets what is left of its allowance, not 4 more
    const topUp = await outbox.claim(16, 60_000, 10, fair({ onTheWire: new Map([[slow, 3]]) }));
    expect(topUp.filter((d) => d.endpointId === slow)).toHaveLength(1);
    await db.query('DELETE FROM webhook_deliveries WHERE endpoint_id = ANY ($1::uuid[])', [
      [slow, other],
    ]);
  });

  it("one tenant's endpoints together cannot take more than its share of a claim; another tenant is served", async () => {
    // two endpoints of one tenant, each with a backlog (each would fill its own endpoint cap),
    // and one delivery of another tenant
    const a = await endpoint();
    const b = await endpoint();
    const other = await tenantWithAdmin(t.app, 'races-other');
    const res = await call(t.app, 'POST', ENDPOINTS, {
      key: other.admin.key,
      body: { url: PUBLIC, events: ['*'] },
    });
    expectStatus(res, 201);
    const theirs = res.json().id as string;
    await db.query('DELETE FROM webhook_deliveries WHERE tenant_id = ANY ($1::text[])', [
      [tenant, other.tenant],
    ]);
    const insert = (owner: string, endpointId: string, n: number) =>
      db.query(
        `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload, next_attempt_at)
         SELECT $1, $2, gen_random_uuid(), 'webhook.ping', '{}', now() - interval '1 minute'
           FROM generate_series(1, $3)`,
        [owner, endpointId, n],
      );
    await insert(tenant, a, 10);
    await insert(tenant, b, 10);
    await insert(other.tenant, theirs, 1);
    const outbox = t.app.get(OutboxRepository);
    const claimed = await outbox.claim(8, 60_000, 10, fair({ perTenant: 4 }));
    const of = (owner: string) => claimed.filter((d) => d.tenantId === owner).length;
    expect({ mine: of(tenant), theirs: of(other.tenant) }).toEqual({ mine: 4, theirs: 1 });
    // a tenant already at its share on this instance is left for later; another with some on
    // the wire gets what is left of its share
    const next = await outbox.claim(
      8,
      60_000,
      10,
      fair({ perTenant: 4, tenantsOnTheWire: new Map([[tenant, 4]]) }),
    );
    expect(next.filter((d) => d.tenantId === tenant)).toEqual([]);
    const topUp = await outbox.claim(
      8,
      60_000,
      10,
      fair({ perTenant: 4, tenantsOnTheWire: new Map([[tenant, 3]]) }),
    );
    expect(topUp.filter((d) => d.tenantId === tenant)).toHaveLength(1);
    await db.query('DELETE FROM webhook_deliveries WHERE tenant_id = ANY ($1::text[])', [
      [tenant, other.tenant],
    ]);
  });

  it('deliveries left PENDING for a deactivated endpoint are failed, never sent on reactivation', async () => {
    const id = await endpoint();
    // a delivery written by an event whose transaction saw the endpoint still active
    await db.query(
      `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
       VALUES ($1, $2, gen_random_uuid(), 'webhook.ping', '{}')`,
      [tenant, id],
    );
    await db.query('UPDATE webhook_endpoints SET active = false WHERE tenant_id = $1 AND id = $2', [
      tenant,
      id,
    ]);
    await t.app.get(OutboxRepository).claim(16, 60_000, 10);
    const { rows } = await db.query(
      'SELECT status, last_error FROM webhook_deliveries WHERE endpoint_id = $1',
      [id],
    );
    // every pending one of them (its own creation event included)
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(row).toEqual({ status: 'FAILED', last_error: 'endpoint deactivated' });
  });
});

describe('date-times that reach SQL', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    ({
      admin: { key },
    } = await tenantWithAdmin(t.app, 'dates'));
  });
  afterAll(() => t.close());

  it('refuses ISO 8601 forms PostgreSQL cannot read with a 400, never a 500', async () => {
    for (const value of ['2026', '2026-12', '2026-W01-1', '-2026-01-01']) {
      for (const url of [
        `/api/identity-store/auditEvents/verify?from=${value}`,
        `/api/identity-store/auditEvents/export?to=${value}`,
        `/api/identity-store/auditEvents?from=${value}`,
      ]) {
        const res = await call(t.app, 'GET', url, { key });
        expect({ url, status: res.statusCode, code: res.json().code }).toEqual({
          url,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
    }
    const ok = await call(
      t.app,
      'GET',
      '/api/identity-store/auditEvents/verify?from=2026-01-01T00:00:00Z',
      {
        key,
      },
    );
    expectStatus(ok, 200);
  });
});
