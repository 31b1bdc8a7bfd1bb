import { DynamicModule, Module, Type } from '@nestjs/common';
import type { ResolvedConfig } from './app.factory';
import { APP_LOGGER, AppLogger } from './common/logging/logger';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';

@Module({})
export class AppModule {
  static forRoot(
    config: ResolvedConfig,
    logger: AppLogger,
    extraModules: Type[] = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        HealthModule,
        ...(config.metricsEnabled ? [MetricsModule] : []),
        ...extraModules,
      ],
      providers: [{ provide: APP_LOGGER, useValue: logger }],
      exports: [APP_LOGGER],
      global: true,
    };
  }
}
