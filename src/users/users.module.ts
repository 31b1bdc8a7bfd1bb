import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SignalsModule } from '../signals/signals.module';
import { StoresModule } from '../stores/stores.module';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [StoresModule, SignalsModule, AuditModule],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository],
  exports: [UsersService],
})
export class UsersModule {}
