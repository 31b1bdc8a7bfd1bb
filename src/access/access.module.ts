import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { AuditModule } from '../audit/audit.module';
import { TenantEntity } from '../tenants/tenant.entity';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { ApiKeyVerifier } from './api-key-verifier';
import { AccessGuard } from './access.guard';
import { JwksController } from './tokens/jwks.controller';
import { SigningKeysRepository } from './tokens/signing-keys.repository';
import { TokenService } from './tokens/token.service';
import { TokensController } from './tokens/tokens.controller';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity, TenantEntity]), AuditModule],
  controllers: [JwksController, TokensController],
  providers: [
    ApiKeyVerifier,
    TokenService,
    SigningKeysRepository,
    RateLimiter,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
})
export class AccessModule {}
