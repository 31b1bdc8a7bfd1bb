import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { OutboxRepository } from './outbox.repository';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhooksRepository } from './webhooks.repository';

/** Webhook endpoints, their delivery log, and the sender every instance runs. */
@Module({
  imports: [AuditModule],
  controllers: [WebhookEndpointsController, WebhookDeliveriesController],
  providers: [
    WebhookEndpointsService,
    WebhookDeliveriesService,
    WebhooksRepository,
    OutboxRepository,
    WebhookDispatcher,
  ],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
