import { Module } from '@nestjs/common';
import { MetadataController } from './metadata.controller';
import { MetadataRepository } from './metadata.repository';
import { MetadataService } from './metadata.service';

@Module({
  controllers: [MetadataController],
  providers: [MetadataRepository, MetadataService],
  exports: [MetadataRepository],
})
export class AttestationModule {}
