import 'reflect-metadata';
import { createApp } from './app.factory';
import { createLogger } from './common/logging/logger';
import { ConfigError, loadConfig } from './config/app-config';
import { applyHeapGrowth } from './config/heap-growth';
import { DatabaseTarget, resolveDatabase } from './database/database-target';
import { EmbeddedDatabaseError } from './database/embedded-postgres';
import { MetricsServer, startMetricsServer } from './metrics/metrics-server';
import { MetricsService } from './metrics/metrics.service';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  applyHeapGrowth(config.heapGrowingPercent);
  const logger = createLogger(config.logLevel);
  let database: DatabaseTarget;
  try {
    database = await resolveDatabase(config, logger);
  } catch (error) {
    // a busy port or data directory is a sentence saying what to set, not a stack
    if (error instanceof EmbeddedDatabaseError) logger.fatal(error.message);
    else logger.fatal({ err: error }, 'failed to start the database');
    process.exit(1);
  }

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let metricsServer: MetricsServer | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await metricsServer?.close();
      await app?.close(); // stops accepting, drains requests, closes the pool
    } finally {
      await database.stop();
      process.exit(0);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(signal));
  }

  try {
    app = await createApp({ ...config, databaseUrl: database.url }, logger);
    await app.listen({ port: config.port, host: config.host });
    if (config.metricsEnabled && config.metricsPort !== undefined) {
      metricsServer = await startMetricsServer(app.get(MetricsService), {
        host: config.host,
        port: config.metricsPort,
        token: config.metricsToken,
      });
    }
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await metricsServer?.close();
    await app?.close().catch(() => undefined);
    await database.stop();
    process.exit(1);
  }
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  logger.info(
    {
      url: base,
      database: database.embedded ? 'embedded' : 'external',
      ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
    },
    `Identity Store listening on ${base} (Swagger UI: ${base}/api/docs)`,
  );
}

void bootstrap();
