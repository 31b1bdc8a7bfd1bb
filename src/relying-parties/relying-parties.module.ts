import { Module } from '@nestjs/common';
import { StoresModule } from '../stores/stores.module';
import { RelyingPartiesController } from './relying-parties.controller';
import { RelyingPartiesService } from './relying-parties.service';

@Module({
  imports: [StoresModule],
  controllers: [RelyingPartiesController],
  providers: [RelyingPartiesService],
  exports: [RelyingPartiesService],
})
export class RelyingPartiesModule {}
