import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MetadataController } from './metadata.controller';
import { MetadataRepository } from './metadata.repository';
import { MetadataService } from './metadata.service';

@Module({
  imports: [AuditModule],
  controllers: [MetadataController],
  providers: [MetadataRepository, MetadataService],
  exports: [MetadataRepository],
})
export class AttestationModule {}
