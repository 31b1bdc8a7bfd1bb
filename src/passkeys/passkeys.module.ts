import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttestationModule } from '../attestation/attestation.module';
import { AuditModule } from '../audit/audit.module';
import { PoliciesModule } from '../policies/policies.module';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { StoresModule } from '../stores/stores.module';
import { UsersModule } from '../users/users.module';
import { AuthenticationController } from './authentication.controller';
import { AuthenticationRepository } from './authentication.repository';
import { AuthenticationService } from './authentication.service';
import { CeremonyResolver } from './ceremony-resolver';
import { RegistrationRepository } from './registration.repository';
import { CeremonySessionEntity } from './ceremony-session.entity';
import { CeremonySessions } from './ceremony-sessions';
import { PasskeyEntity } from './passkey.entity';
import { PasskeysController } from './passkeys.controller';
import { PasskeysService } from './passkeys.service';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';
import { UserHandleEntity } from './user-handle.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([PasskeyEntity, UserHandleEntity, CeremonySessionEntity]),
    AuditModule,
    AttestationModule,
    StoresModule,
    UsersModule,
    RelyingPartiesModule,
    PoliciesModule,
  ],
  controllers: [AuthenticationController, RegistrationController, PasskeysController],
  providers: [
    AuthenticationRepository,
    RegistrationRepository,
    CeremonyResolver,
    CeremonySessions,
    AuthenticationService,
    RegistrationService,
    PasskeysService,
  ],
  exports: [AuthenticationService, RegistrationService, CeremonySessions, CeremonyResolver],
})
export class PasskeysModule {}
