import { Module } from '@nestjs/common';
import { SignalsModule } from '../signals/signals.module';
import { StoresModule } from '../stores/stores.module';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [StoresModule, SignalsModule],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository],
  exports: [UsersService],
})
export class UsersModule {}
