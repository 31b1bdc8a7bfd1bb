import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { AuthenticationPoliciesController } from './authentication-policies.controller';
import { AuthenticationPolicyEntity } from './authentication-policy.entity';
import { AuthenticationPoliciesService, RegistrationPoliciesService } from './policies.service';
import { RegistrationPoliciesController } from './registration-policies.controller';
import { RegistrationPolicyEntity } from './registration-policy.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([RegistrationPolicyEntity, AuthenticationPolicyEntity]),
    RelyingPartiesModule,
  ],
  controllers: [RegistrationPoliciesController, AuthenticationPoliciesController],
  providers: [RegistrationPoliciesService, AuthenticationPoliciesService],
  exports: [RegistrationPoliciesService, AuthenticationPoliciesService],
})
export class PoliciesModule {}
