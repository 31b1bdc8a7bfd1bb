import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { AuditModule } from '../audit/audit.module';
import { TenantEntity } from '../tenants/tenant.entity';
import { RateLimiter } from '../common/rate-limit/rate-limiter';
import { Authenticator } from './authenticator.service';
import { PermissionGuard } from './permission.guard';
import { JwksController } from './tokens/jwks.controller';
import { SigningKeyEntity } from './tokens/signing-key.entity';
import { TokenService } from './tokens/token.service';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity, TenantEntity, SigningKeyEntity]), AuditModule],
  controllers: [JwksController],
  providers: [
    Authenticator,
    TokenService,
    RateLimiter,
    { provide: APP_GUARD, useClass: PermissionGuard },
  ],
  exports: [TokenService],
})
export class AuthModule {}
