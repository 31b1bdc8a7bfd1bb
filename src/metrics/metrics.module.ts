import { DynamicModule, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { MetricsTokenGuard } from './metrics-token.guard';

@Module({})
export class MetricsModule {
  /** `onApiPort`: false when IDS_METRICS_PORT serves `/metrics` (main.ts) instead. */
  static forRoot(onApiPort: boolean): DynamicModule {
    return {
      module: MetricsModule,
      controllers: onApiPort ? [MetricsController] : [],
      providers: [MetricsService, MetricsTokenGuard],
      exports: [MetricsService],
    };
  }
}
