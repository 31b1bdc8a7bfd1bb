import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import { createApp, ResolvedConfig } from '../../src/app.factory';
import { createLogger } from '../../src/common/logging/logger';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { withDatabase } from '../../src/database/database-target';

/** The key-encryption key of every test app (IDS_KEK): fixed, so instances share sealed keys. */
export const TEST_KEK = Buffer.alloc(32, 7);

/** The platform key of every test app (IDS_PLATFORM_API_KEY). */
export const PLATFORM_KEY = 'test-platform-key-0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.IDS_TEST_ADMIN_URL;
  if (!url)
    throw new Error('IDS_TEST_ADMIN_URL is not set: run the tests through jest (globalSetup)');
  return url;
}

/** A fresh database cloned from the migrated template (~50 ms). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ids_test_${process.env.IDS_TEST_RUN_ID}_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(
      `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(
        process.env.IDS_TEST_TEMPLATE_DB as string,
      )}`,
    );
  } finally {
    await client.end();
  }
  return {
    name,
    url: withDatabase(adminUrl(), name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestAppOptions {
  config?: Partial<AppConfig>;
  /** Extra modules, e.g. a controller that throws on purpose. */
  modules?: Type[];
  /** Where logs go (default: nowhere unless LOG_LEVEL is set). */
  logDestination?: DestinationStream;
  /** Reuse a database instead of cloning a new one (e.g. two instances on one database). */
  database?: TestDatabase;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: ResolvedConfig;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real app, built by the real bootstrap (createApp → configureApp), on its own database. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const base = loadConfig({ ...process.env, DATABASE_URL: database.url, NODE_ENV: 'test' });
  const config: ResolvedConfig = {
    ...base,
    logLevel: process.env.LOG_LEVEL ? base.logLevel : 'silent',
    platformApiKey: PLATFORM_KEY,
    kek: base.kek ?? TEST_KEK,
    // audit events are sealed on demand (verify, export, purge) unless a test turns the timer on
    auditSealIntervalMs: 0,
    // the webhook sender polls the database: on only where a test turns it on
    webhookPollMs: 0,
    ...options.config,
    databaseUrl: database.url,
  };
  const logger = createLogger(config.logLevel, options.logDestination);
  const app = await createApp(config, logger, options.modules ?? []);
  return {
    app,
    config,
    database,
    close: async () => {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
