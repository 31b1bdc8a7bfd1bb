import type { Pool } from 'pg';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { failoverClientClass } from './failover-client';
import { MIGRATIONS } from './migrations';
import { parseMultiHostUrl } from '../config/multi-host-url';

export interface PoolSettings {
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** A TypeORM entity class. */
export type EntityClass = new () => unknown;

/**
 * The one definition of the DataSource, shared by the app, the tests and the migration CLI. The
 * entity list is assembled at the app root (`src/entities.ts`): this folder knows no feature.
 */
export function dataSourceOptions(
  url: string,
  pool: PoolSettings,
  entities: EntityClass[],
): DataSourceOptions {
  // A libpq multi-host URL (failover-client.ts): node-postgres reads the first host, and every
  // new pooled connection is aimed at the host that is currently acceptable (the primary).
  const multiHost = parseMultiHostUrl(url);
  return {
    type: 'postgres',
    url: multiHost?.firstHostUrl ?? url,
    entities,
    migrations: MIGRATIONS,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    applicationName: 'identity-store',
    extra: {
      max: pool.poolSize,
      connectionTimeoutMillis: pool.connectTimeoutMs,
      statement_timeout: pool.statementTimeoutMs,
      idle_in_transaction_session_timeout: pool.statementTimeoutMs * 2,
      // client side: a query on a connection that went silent fails instead of waiting forever
      query_timeout: pool.statementTimeoutMs + 5000,
      // The hot statements are prepared (prepared.ts) and all look rows up by key: their generic
      // plan is the plan. Left to choose, PostgreSQL kept planning them on every call (custom
      // plans, ~0.3 ms of its CPU per authentication). A DATABASE_URL `options` parameter wins.
      options: '-c plan_cache_mode=force_generic_plan',
      ...(multiHost ? { Client: failoverClientClass(multiHost).Client } : {}),
    },
  };
}

/** The node-postgres pool behind a DataSource (none before it is initialised). */
export function poolOf(dataSource: DataSource): Pool | undefined {
  return (dataSource.driver as unknown as { master?: Pool }).master;
}
