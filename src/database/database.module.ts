import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { boundPoolCheckout } from './bounded-pool';
import { dataSourceOptions, EntityClass, poolOf } from './data-source-options';
import { runMigrations } from './migrator';
import { TransactionHost } from './transaction-host';

/**
 * The DataSource of the app (its entities come from the app root) and the TransactionHost, the
 * one way into a transaction: global, so every feature module can inject it.
 */
@Module({})
export class DatabaseModule {
  static forRoot(entities: EntityClass[]): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [TransactionHost],
      exports: [TransactionHost],
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(
              config.databaseUrl as string,
              {
                poolSize: config.dbPoolSize,
                connectTimeoutMs: config.dbConnectTimeoutMs,
                statementTimeoutMs: config.dbStatementTimeoutMs,
              },
              entities,
            ),
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
    };
  }
}
