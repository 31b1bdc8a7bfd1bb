import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { boundPoolCheckout } from './bounded-pool';
import { dataSourceOptions, poolOf } from './data-source-options';
import { runMigrations } from './migrator';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.databaseUrl as string, {
          poolSize: config.dbPoolSize,
          connectTimeoutMs: config.dbConnectTimeoutMs,
          statementTimeoutMs: config.dbStatementTimeoutMs,
        }),
        retryAttempts: config.nodeEnv === 'test' ? 0 : 5,
        retryDelay: 1000,
      }),
      // Migrations run before any other provider can touch the database.
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options as never).initialize();
        const config = options as { extra: { connectionTimeoutMillis: number } };
        // pg-pool's own timeout plus a margin: it normally fires first
        boundPoolCheckout(poolOf(dataSource)!, config.extra.connectionTimeoutMillis + 1000);
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
