import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StoresModule } from '../stores/stores.module';
import { RelyingPartiesController } from './relying-parties.controller';
import { RelyingPartiesService } from './relying-parties.service';
import { RelyingPartyEntity } from './relying-party.entity';

@Module({
  imports: [TypeOrmModule.forFeature([RelyingPartyEntity]), StoresModule],
  controllers: [RelyingPartiesController],
  providers: [RelyingPartiesService],
  exports: [RelyingPartiesService],
})
export class RelyingPartiesModule {}
