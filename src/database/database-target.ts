import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';
import type { AppLogger } from '../common/logging/logger';
import { startEmbeddedPostgres } from './embedded-postgres';

export const EMBEDDED_DATABASE_NAME = 'identity_store';

export interface DatabaseTarget {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** `DATABASE_URL` when given; otherwise the embedded cluster under the data directory. */
export async function resolveDatabase(
  config: AppConfig,
  logger: AppLogger,
): Promise<DatabaseTarget> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const cluster = await startEmbeddedPostgres({
    dir: config.dataDir,
    port: config.embeddedPgPort,
    logger,
  });
  try {
    await ensureDatabase(cluster.url, EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return {
    url: withDatabase(cluster.url, EMBEDDED_DATABASE_NAME),
    embedded: true,
    stop: cluster.stop,
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates `name` on the server of `adminUrl` unless it exists (optionally from a template). */
export async function ensureDatabase(
  adminUrl: string,
  name: string,
  template?: string,
): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${from}`);
    }
  } finally {
    await client.end();
  }
}
