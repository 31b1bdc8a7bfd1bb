import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { StepUpModule } from '../step-up/step-up.module';
import { PassageAppsController } from './passage-apps.controller';
import { PassageAppsService } from './passage-apps.service';
import { PassageBackendController } from './passage-backend.controller';
import { PassageBrowserController } from './passage-browser.controller';
import { PassageGateway } from './passage-gateway';
import { PassageService } from './passage.service';
import { PassageRepository } from './passage.repository';

/** A home for Passkey Flex integrators: Passage apps and the `/passage/v1` routes. */
@Module({
  imports: [AuditModule, PasskeysModule, RelyingPartiesModule, StepUpModule],
  controllers: [PassageAppsController, PassageBrowserController, PassageBackendController],
  providers: [PassageAppsService, PassageService, PassageRepository, PassageGateway],
  exports: [PassageGateway],
})
export class PassageModule {}
