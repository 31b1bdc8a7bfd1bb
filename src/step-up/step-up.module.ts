import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { RateLimitsRepository } from '../rate-limit/rate-limits.repository';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { UsersModule } from '../users/users.module';
import { BrowserController } from './browser.controller';
import { BrowserGateway } from './browser-gateway';
import { PurgeRepository } from './purge.repository';
import { PurgeService } from './purge.service';
import { StepUpController } from './step-up.controller';
import { StepUpRepository } from './step-up.repository';
import { StepUpService } from './step-up.service';

@Module({
  imports: [AuditModule, PasskeysModule, UsersModule],
  controllers: [StepUpController, BrowserController],
  providers: [
    StepUpService,
    StepUpRepository,
    BrowserGateway,
    RateLimiter,
    RateLimitsRepository,
    PurgeService,
    PurgeRepository,
  ],
  exports: [StepUpService, BrowserGateway, PurgeService, RateLimiter],
})
export class StepUpModule {}
