import { DataSource } from 'typeorm';
import { AuditEventType } from '../../src/audit/audit-event-type';
import { AuditService } from '../../src/audit/audit.service';
import type { RequestContext } from '../../src/auth/request-context';
import { TransactionHost } from '../../src/database/transaction-host';
import type { StoreEntity } from '../../src/stores/store.entity';
import { StoresService } from '../../src/stores/stores.service';
import { UsersService } from '../../src/users/users.service';
import { call, expectStatus, tenantWithAdmin, uniqueId } from '../support/api';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The TransactionHost on the real database: two services that know nothing of each other write
 * inside one `run`, and a failure takes back both writes; outside the run, nothing is seen early.
 */
describe('TransactionHost: one transaction across repositories', () => {
  let t: TestApp;
  let host: TransactionHost;
  let users: UsersService;
  let audit: AuditService;
  let dataSource: DataSource;
  let ctx: RequestContext;
  let store: StoreEntity;

  beforeAll(async () => {
    t = await createTestApp();
    host = t.app.get(TransactionHost);
    users = t.app.get(UsersService);
    audit = t.app.get(AuditService);
    dataSource = t.app.get(DataSource);
    const { tenant, admin } = await tenantWithAdmin(t.app, 'tx');
    const res = await call(t.app, 'POST', '/api/identity-store/stores', {
      key: admin.key,
      body: { name: 'shop' },
    });
    expectStatus(res, 201);
    ctx = {
      tenantId: tenant,
      principal: {
        keyId: null,
        tenantId: tenant,
        isPlatform: false,
        permissions: [],
        via: 'apiKey',
      },
      requestId: 'transaction-host-e2e',
      ip: '127.0.0.1',
    };
    store = await t.app.get(StoresService).find(ctx, 'shop');
  });
  afterAll(() => t.close());

  /** A user (users, stores and tenants rows) and an audit event (audit_events), both marked. */
  const writeBoth = async (marker: string) => {
    await users.insert(ctx, store, { externalId: marker, userName: marker });
    await audit.record(ctx, { type: AuditEventType.TENANT_UPDATED, details: { marker } });
  };
  const written = async (marker: string) => {
    const [row] = await dataSource.query(
      `SELECT (SELECT count(*)::int FROM users WHERE tenant_id = $1 AND external_id = $2) AS users,
              (SELECT count(*)::int FROM audit_events WHERE tenant_id = $1 AND details->>'marker' = $2) AS events,
              (SELECT user_count FROM stores WHERE tenant_id = $1 AND id = $3) AS store_users,
              (SELECT user_count FROM tenants WHERE id = $1) AS tenant_users`,
      [ctx.tenantId, marker, store.id],
    );
    return row as { users: number; events: number; store_users: number; tenant_users: number };
  };

  it('a failure inside run rolls back the writes of both repositories (and the counters)', async () => {
    const marker = uniqueId('rollback');
    const before = await written(marker);
    await expect(
      host.run(async () => {
        await writeBoth(marker);
        throw new Error('fails after both writes');
      }),
    ).rejects.toThrow('fails after both writes');
    expect(await written(marker)).toEqual(before);
    expect(before).toMatchObject({ users: 0, events: 0 });
  });

  it('a transaction whose connection is killed mid-work: the next write fails (503), nothing lands on the pool', async () => {
    const marker = uniqueId('lost');
    const run = host.run(async () => {
      await users.insert(ctx, store, { externalId: marker, userName: marker });
      const [{ pid }] = await host.manager.query('SELECT pg_backend_pid() AS pid');
      // the server ends this connection (as a restart or a failover would)
      await dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await audit.record(ctx, { type: AuditEventType.TENANT_UPDATED, details: { marker } });
    });
    await expect(run).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    // neither the user (rolled back with the connection) nor the event (never sent elsewhere)
    expect(await written(marker)).toMatchObject({ users: 0, events: 0 });
  });

  it('a nested run joins: its writes roll back with the outer failure', async () => {
    const marker = uniqueId('nested');
    await expect(
      host.run(async () => {
        await host.run(() => writeBoth(marker));
        throw new Error('outer fails after the inner run returned');
      }),
    ).rejects.toThrow('outer fails');
    expect(await written(marker)).toMatchObject({ users: 0, events: 0 });
  });

  it('a run that succeeds commits both, and nothing is visible outside it before the commit', async () => {
    const marker = uniqueId('commit');
    const before = await written(marker);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const hasWritten = new Promise<void>((resolve) => (wrote = resolve));
    const running = host.run(async () => {
      await writeBoth(marker);
      wrote();
      await gate;
    });
    await hasWritten;
    // this test's own context has no transaction: the pool's view, without the open writes
    expect(await written(marker)).toEqual(before);
    await expect(users.find(ctx, store, { externalId: marker })).rejects.toMatchObject({
      code: 'USER_NOT_FOUND',
    });
    release();
    await running;
    expect(await written(marker)).toEqual({
      users: 1,
      events: 1,
      store_users: before.store_users + 1,
      tenant_users: before.tenant_users + 1,
    });
  });

  it('with no transaction running its AsyncLocalStorage is off (on Node 20 every promise pays while it is on); overlapping runs keep it on until the last settles', async () => {
    // Node 20's AsyncLocalStorage has `enabled`: true from the first run() until disable()
    const storage = (host as unknown as { storage: { enabled?: boolean } }).storage;
    const enabled = () => (typeof storage.enabled === 'boolean' ? storage.enabled : 'n/a');
    await host.run(async () => {
      await writeBoth(uniqueId('als'));
    });
    expect([false, 'n/a']).toContain(enabled());

    let releaseFirst!: () => void;
    let fireLate!: () => void;
    let late: Promise<unknown> | undefined;
    const first = host.run(async () => {
      expect([true, 'n/a']).toContain(enabled());
      // a callback registered inside the run that runs after it: it must find no transaction
      late = new Promise<void>((resolve) => (fireLate = resolve)).then(() => host.manager);
      await new Promise<void>((resolve) => (releaseFirst = resolve));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await host.run(async () => {
      await writeBoth(uniqueId('als'));
    });
    expect([true, 'n/a']).toContain(enabled()); // the first is still running
    releaseFirst();
    await first;
    expect([false, 'n/a']).toContain(enabled());
    fireLate();
    expect((await late) === dataSource.manager).toBe(true);
  });
});
