import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import {
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDeliveryParams,
  WebhookDeliveryQueryDto,
  WebhookEndpointParams,
} from './dto/webhook.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

@ApiTags('Webhooks')
@Controller('identity-store/webhooks/endpoints/:endpointId')
@Fails(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND)
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get('deliveries')
  @RequirePermission('listWebhookDeliveries')
  @ApiOperation({
    summary: "An endpoint's delivery log, newest first: status, attempts, last error",
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  listWebhookDeliveries(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookEndpointParams,
    @Query() query: WebhookDeliveryQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.deliveries.list(ctx, p.endpointId, query);
  }

  @Post('deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @RequirePermission('redeliverWebhook')
  @ApiOperation({
    summary: 'Send a delivery again now (same webhook-id; the retry schedule starts over)',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @Fails(ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND, ErrorCode.WEBHOOK_ENDPOINT_INACTIVE)
  redeliverWebhook(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookDeliveryParams,
  ): Promise<WebhookDeliveryDto> {
    return this.deliveries.redeliver(ctx, p.endpointId, p.deliveryId);
  }

  @Post('ping')
  @HttpCode(202)
  @RequirePermission('pingWebhookEndpoint')
  @ApiOperation({
    summary: 'Send a `webhook.ping` test event to this endpoint (through the outbox, signed)',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @Fails(ErrorCode.WEBHOOK_ENDPOINT_INACTIVE)
  pingWebhookEndpoint(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookEndpointParams,
  ): Promise<WebhookDeliveryDto> {
    return this.deliveries.ping(ctx, p.endpointId);
  }
}
