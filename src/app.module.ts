import { DynamicModule, Module, Type } from '@nestjs/common';
import type { ResolvedConfig } from './app.factory';
import { APP_LOGGER, AppLogger } from './common/logging/logger';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AttestationModule } from './attestation/attestation.module';
import { AuditModule } from './audit/audit.module';
import { AccessModule } from './access/access.module';
import { DemoModule } from './demo/demo.module';
import { HealthModule } from './health/health.module';
import { PasskeysModule } from './passkeys/passkeys.module';
import { PoliciesModule } from './policies/policies.module';
import { RelyingPartiesModule } from './relying-parties/relying-parties.module';
import { StepUpModule } from './step-up/step-up.module';
import { PassageModule } from './passage/passage.module';
import { StoresModule } from './stores/stores.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsersModule } from './users/users.module';
import { MetricsModule } from './metrics/metrics.module';
import { SigningModule } from './signing/signing.module';
import { WebhooksModule } from './webhooks/webhooks.module';

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
        DatabaseModule.forRoot(ENTITIES),
        HealthModule,
        SigningModule,
        AccessModule,
        AuditModule,
        TenantsModule,
        ApiKeysModule,
        StoresModule,
        UsersModule,
        RelyingPartiesModule,
        PoliciesModule,
        AttestationModule,
        PasskeysModule,
        StepUpModule,
        PassageModule,
        WebhooksModule,
        ...(config.metricsEnabled ? [MetricsModule.forRoot(config.metricsPort === undefined)] : []),
        ...(config.demoEnabled ? [DemoModule] : []),
        ...extraModules,
      ],
      providers: [{ provide: APP_LOGGER, useValue: logger }],
      exports: [APP_LOGGER],
      global: true,
    };
  }
}
