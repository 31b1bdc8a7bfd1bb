import { createServer } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { createTestDatabase, TestDatabase } from '../support/test-app';

const POOL = { poolSize: 1, connectTimeoutMs: 1000, statementTimeoutMs: 5000 };

/** A port nothing listens on (connections are refused). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The test database's URL with a dead host before the real one. */
async function multiHost(url: string, attrs: string): Promise<string> {
  const u = new URL(url);
  const auth = u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  return `postgres://${auth}127.0.0.1:${await deadPort()},${u.hostname}:${u.port}${u.pathname}?target_session_attrs=${attrs}`;
}

describe('multi-host DATABASE_URL on a real PostgreSQL (failover-client)', () => {
  let database: TestDatabase;
  const sources: DataSource[] = [];
  const open = async (url: string) => {
    const ds = new DataSource(dataSourceOptions(url, POOL, []) as never);
    sources.push(ds);
    return ds.initialize();
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const ds of sources) if (ds.isInitialized) await ds.destroy();
    await database.drop();
  });

  it('skips a host that refuses connections and reaches the writable one', async () => {
    const ds = await open(await multiHost(database.url, 'read-write'));
    const [row] = await ds.query('SELECT inet_server_port() AS port');
    expect(Number(row.port)).toBe(Number(new URL(database.url).port));
  });

  it('drops a connection that met a read-only server (25006) and the next one is writable', async () => {
    const ds = await open(await multiHost(database.url, 'read-write'));
    // the one pooled connection turns read-only, as a demoted primary's sessions would be
    const [{ pid }] = await ds.query('SELECT pg_backend_pid() AS pid');
    await ds.query('SET default_transaction_read_only = on');
    await expect(ds.query('CREATE TABLE failover_probe (x int)')).rejects.toMatchObject({
      driverError: expect.objectContaining({ code: '25006' }),
    });
    await new Promise((r) => setTimeout(r, 50));
    const [after] = await ds.query(
      "SELECT pg_backend_pid() AS pid, current_setting('transaction_read_only') AS ro",
    );
    expect(after.pid).not.toBe(pid);
    expect(after.ro).toBe('off');
  });

  it('refuses a server whose sessions are read-only under read-write, takes it under any', async () => {
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    const name = `${database.name}_ro`;
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    await admin.query(
      `ALTER DATABASE ${admin.escapeIdentifier(name)} SET default_transaction_read_only = on`,
    );
    await admin.end();
    const roUrl = database.url.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
    try {
      await expect(open(await multiHost(roUrl, 'read-write'))).rejects.toMatchObject({
        code: '08001',
      });
      const any = await open(await multiHost(roUrl, 'any'));
      expect((await any.query('SHOW transaction_read_only'))[0].transaction_read_only).toBe('on');
      await any.destroy();
    } finally {
      const drop = new Client({ connectionString: database.url });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${drop.escapeIdentifier(name)} WITH (FORCE)`);
      await drop.end();
    }
  });
});
