import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../auth/request-context';
import { toCursorPage } from '../common/pagination/cursor';
import {
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDeliveryQueryDto,
} from './dto/webhook.dto';
import { DeliveryStatus, WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { deliveryNotFound, endpointInactive } from './webhook.errors';
import { WebhooksRepository } from './webhooks.repository';

/** An endpoint's delivery log, manual redelivery and the test ping. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  async list(
    ctx: RequestContext,
    endpointId: string,
    query: WebhookDeliveryQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    await this.endpoints.find(ctx, endpointId);
    const limit = query.limit ?? 20;
    const { rows, sort } = await this.webhooks.listDeliveries(
      ctx.tenantId,
      endpointId,
      query.status,
      query,
      limit,
    );
    return toCursorPage(
      rows,
      limit,
      sort,
      (row) => ({ value: row.value, id: row.delivery.id }),
      (row) => toDto(row.delivery),
    );
  }

  /** Sends a delivery again now, under the same `webhook-id`, with a fresh retry schedule. */
  async redeliver(
    ctx: RequestContext,
    endpointId: string,
    deliveryId: string,
  ): Promise<WebhookDeliveryDto> {
    const endpoint = await this.endpoints.find(ctx, endpointId);
    if (!(await this.webhooks.delivery(ctx.tenantId, endpointId, deliveryId))) {
      throw deliveryNotFound();
    }
    if (!endpoint.active) throw endpointInactive();
    const row = await this.webhooks.redeliver(ctx.tenantId, endpointId, deliveryId);
    if (!row) throw deliveryNotFound();
    return toDto(row);
  }

  /** A `webhook.ping` event for this endpoint only, through the outbox like any other. */
  async ping(ctx: RequestContext, endpointId: string): Promise<WebhookDeliveryDto> {
    const endpoint = await this.endpoints.find(ctx, endpointId);
    if (!endpoint.active) throw endpointInactive();
    const eventId = randomUUID();
    const now = new Date().toISOString();
    const payload = JSON.stringify({
      type: 'webhook.ping',
      timestamp: now,
      data: {
        id: eventId,
        type: 'webhook.ping',
        tenantId: ctx.tenantId,
        endpointId,
        occurredAt: now,
      },
    });
    const row = await this.webhooks.insertPing(ctx.tenantId, endpointId, eventId, payload);
    // deleted or deactivated since it was read
    if (row === undefined) throw endpointInactive();
    return toDto(row);
  }
}

function toDto(row: WebhookDeliveryEntity): WebhookDeliveryDto {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === DeliveryStatus.PENDING ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}
