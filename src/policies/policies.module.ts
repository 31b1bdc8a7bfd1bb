import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { AuthenticationPoliciesController } from './authentication-policies.controller';
import { AuthenticationPoliciesService, RegistrationPoliciesService } from './policies.service';
import { RegistrationPoliciesController } from './registration-policies.controller';

@Module({
  imports: [RelyingPartiesModule, AuditModule],
  controllers: [RegistrationPoliciesController, AuthenticationPoliciesController],
  providers: [RegistrationPoliciesService, AuthenticationPoliciesService],
  exports: [RegistrationPoliciesService, AuthenticationPoliciesService],
})
export class PoliciesModule {}
