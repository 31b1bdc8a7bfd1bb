import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { withDatabase } from '../../src/database/database-target';
import type { TestDatabase } from './test-app';

async function admin(work: (client: Client) => Promise<void>): Promise<void> {
  const url = process.env.IDS_TEST_ADMIN_URL;
  if (!url) throw new Error('IDS_TEST_ADMIN_URL is not set: run the tests through jest');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A new, EMPTY database on the test cluster (not cloned from the migrated template): an app
 * started on it runs every migration itself, as a fresh server's first start does. Named like
 * createTestDatabase's, so the teardown of an external cluster drops it too.
 */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `ids_test_${process.env.IDS_TEST_RUN_ID}_empty_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE template0`);
  });
  return {
    name,
    url: withDatabase(process.env.IDS_TEST_ADMIN_URL as string, name),
    drop: () =>
      admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      }),
  };
}
