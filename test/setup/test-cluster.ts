import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import {
  EmbeddedDatabase,
  isAlive,
  startEmbeddedPostgres,
  stopOrphanPostgres,
} from '../../src/database/embedded-postgres';
import { withDatabase } from '../../src/database/database-target';
import { runMigrations } from '../../src/database/migrator';
import { Client } from 'pg';

const PREFIX = 'ids-test-';
/** How long a cluster directory without its owner's pid is taken to be one still starting. */
const STARTING_MS = 60_000;

export interface TestCluster {
  adminUrl: string;
  template: string;
  dir?: string;
  embedded?: EmbeddedDatabase;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Clusters of earlier test runs that were killed (their jest is gone): stop and remove them. */
async function reapAbandonedClusters(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, 'owner.pid');
    let owner = 0;
    try {
      owner = Number(readFileSync(ownerFile, 'utf8'));
    } catch {
      // not written yet, or reaped by another run meanwhile
    }
    if (owner > 0 && isAlive(owner)) continue;
    // a run that is starting has made its directory but not yet written its pid: not abandoned
    const made = statSync(dir, { throwIfNoEntry: false })?.mtimeMs;
    if (made === undefined) continue; // another run reaped it meanwhile
    if (!(owner > 0) && Date.now() - made < STARTING_MS) continue;
    await stopOrphanPostgres(join(dir, 'postgres'));
    await rm(dir, { recursive: true, force: true });
  }
}

async function admin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One cluster per test run (embedded, or DATABASE_URL), with a migrated template database. */
export async function startTestCluster(): Promise<TestCluster> {
  const cluster: TestCluster = { adminUrl: '', template: `ids_template_${process.pid}` };
  if (process.env.DATABASE_URL) {
    cluster.adminUrl = process.env.DATABASE_URL;
  } else {
    await reapAbandonedClusters();
    cluster.dir = await mkdtemp(join(tmpdir(), PREFIX));
    await chmod(cluster.dir, 0o755); // postgres runs as another user when we are root
    await writeFile(join(cluster.dir, 'owner.pid'), String(process.pid));
    cluster.embedded = await startEmbeddedPostgres({ dir: cluster.dir, port: await freePort() });
    cluster.adminUrl = cluster.embedded.url;
  }
  await admin(cluster.adminUrl, async (client) => {
    const name = client.escapeIdentifier(cluster.template);
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  });
  const dataSource = new DataSource(
    dataSourceOptions(
      withDatabase(cluster.adminUrl, cluster.template),
      { poolSize: 2, connectTimeoutMs: 5000, statementTimeoutMs: 60000 },
      [], // migrations only: no entity is read or written here
    ),
  );
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  return cluster;
}

export async function stopTestCluster(cluster: TestCluster): Promise<void> {
  if (cluster.embedded) {
    await cluster.embedded.stop();
  } else {
    await admin(cluster.adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
        [cluster.template, `ids_test_${process.pid}_%`],
      );
      for (const { datname } of rows) {
        await client.query(
          `DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`,
        );
      }
    });
  }
  if (cluster.dir) await rm(cluster.dir, { recursive: true, force: true });
}
