import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { TenantEntity } from './tenant.entity';
import { LimitsController } from './limits.controller';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({
  imports: [TypeOrmModule.forFeature([TenantEntity]), AuditModule],
  controllers: [TenantsController, LimitsController],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
