import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { StoresModule } from '../stores/stores.module';
import { RelyingPartiesController } from './relying-parties.controller';
import { RelyingPartiesRepository } from './relying-parties.repository';
import { RelyingPartiesService } from './relying-parties.service';

@Module({
  imports: [StoresModule, AuditModule],
  controllers: [RelyingPartiesController],
  providers: [RelyingPartiesService, RelyingPartiesRepository],
  exports: [RelyingPartiesService],
})
export class RelyingPartiesModule {}
