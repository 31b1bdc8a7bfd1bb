import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { KeyEncryption } from './key-encryption';
import { resolveKek } from './kek';
import { ResultTokenService } from './result-tokens';
import { SigningController } from './signing.controller';
import { TenantKeysService } from './tenant-keys.service';
import { TenantSigningKeysRepository } from './tenant-signing-keys.repository';

/** Signing keys sealed under the KEK: tenants' result-token keys (and the sealer for others). */
@Global()
@Module({
  imports: [AuditModule],
  controllers: [SigningController],
  providers: [
    {
      provide: KeyEncryption,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new KeyEncryption(resolveKek(config)),
    },
    TenantSigningKeysRepository,
    TenantKeysService,
    ResultTokenService,
  ],
  exports: [KeyEncryption, ResultTokenService, TenantKeysService],
})
export class SigningModule {}
