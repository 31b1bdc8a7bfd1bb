import { Module } from '@nestjs/common';
import { AttestationModule } from '../attestation/attestation.module';
import { AuditModule } from '../audit/audit.module';
import { PoliciesModule } from '../policies/policies.module';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { SignalsModule } from '../signals/signals.module';
import { StoresModule } from '../stores/stores.module';
import { UsersModule } from '../users/users.module';
import { AuthenticationController } from './authentication/authentication.controller';
import { AuthenticationRepository } from './authentication/authentication.repository';
import { AuthenticationService } from './authentication/authentication.service';
import { CeremonyResolver } from './ceremony-resolver';
import { RegistrationRepository } from './registration/registration.repository';
import { SessionsRepository } from './sessions/sessions.repository';
import { PasskeysController } from './credentials/passkeys.controller';
import { PasskeysRepository } from './credentials/passkeys.repository';
import { PasskeysService } from './credentials/passkeys.service';
import { RegistrationController } from './registration/registration.controller';
import { RegistrationService } from './registration/registration.service';
import { ExportService } from './transfer/export.service';
import { ImportService } from './transfer/import.service';
import { TransferController } from './transfer/transfer.controller';
import { TransferRepository } from './transfer/transfer.repository';

@Module({
  imports: [
    AuditModule,
    AttestationModule,
    StoresModule,
    UsersModule,
    RelyingPartiesModule,
    PoliciesModule,
    SignalsModule,
  ],
  controllers: [
    AuthenticationController,
    RegistrationController,
    PasskeysController,
    TransferController,
  ],
  providers: [
    AuthenticationRepository,
    RegistrationRepository,
    CeremonyResolver,
    SessionsRepository,
    AuthenticationService,
    RegistrationService,
    PasskeysService,
    PasskeysRepository,
    ImportService,
    ExportService,
    TransferRepository,
  ],
  exports: [AuthenticationService, RegistrationService, CeremonyResolver, PasskeysService],
})
export class PasskeysModule {}
