import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { RateLimitsRepository } from '../rate-limit/rate-limits.repository';
import { AccessRepository } from './access.repository';
import { ApiKeyVerifier } from './api-key-verifier';
import { AccessGuard } from './access.guard';
import { DeferredKeyCheckInterceptor } from './deferred-key-check.interceptor';
import { JwksController } from './tokens/jwks.controller';
import { SigningKeysRepository } from './tokens/signing-keys.repository';
import { TokenService } from './tokens/token.service';
import { TokensController } from './tokens/tokens.controller';

@Module({
  imports: [AuditModule],
  controllers: [JwksController, TokensController],
  providers: [
    AccessRepository,
    ApiKeyVerifier,
    TokenService,
    SigningKeysRepository,
    RateLimiter,
    RateLimitsRepository,
    AccessGuard,
    { provide: APP_GUARD, useExisting: AccessGuard },
    { provide: APP_INTERCEPTOR, useClass: DeferredKeyCheckInterceptor },
  ],
})
export class AccessModule {}
