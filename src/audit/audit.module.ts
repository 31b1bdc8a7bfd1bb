import { Module } from '@nestjs/common';
import { AuditChainController } from './audit-chain.controller';
import { AuditChainRepository } from './audit-chain.repository';
import { AuditChainService } from './audit-chain.service';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

@Module({
  controllers: [AuditController, AuditChainController],
  providers: [AuditService, AuditRepository, AuditChainService, AuditChainRepository],
  exports: [AuditService, AuditChainService],
})
export class AuditModule {}
