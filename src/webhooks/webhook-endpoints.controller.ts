import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  RotatedWebhookSecretDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointListQueryDto,
  WebhookEndpointPageDto,
  WebhookEndpointParams,
} from './dto/webhook.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

@ApiTags('Webhooks')
@Controller('identity-store/webhooks/endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @RequirePermission('createWebhookEndpoint', {
    also: '`TNT#{tenant}#IdentityStore:listAuditEvents` (the endpoint receives audit events)',
  })
  @ApiOperation({
    summary: 'Subscribe a URL to audit events (the signing secret is in this answer only)',
    description:
      'Each event is POSTed as JSON `{type, timestamp, data}` and signed the Standard Webhooks ' +
      'way (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers): verify it with any ' +
      'Standard Webhooks library and the secret. At least once: deduplicate by `webhook-id`. ' +
      'The events are the audit log: the caller also needs `listAuditEvents` (else ' +
      'PERMISSION_DENIED).',
  })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @Fails(ErrorCode.WEBHOOK_URL_NOT_ALLOWED, ErrorCode.MAX_WEBHOOK_ENDPOINTS_EXCEEDED)
  createWebhookEndpoint(
    @Ctx() ctx: RequestContext,
    @Body() dto: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.endpoints.create(ctx, dto);
  }

  @Get()
  @RequirePermission('listWebhookEndpoints')
  @ApiOperation({ summary: "List the tenant's webhook endpoints (never their secrets)" })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  listWebhookEndpoints(
    @Ctx() ctx: RequestContext,
    @Query() query: WebhookEndpointListQueryDto,
  ): Promise<WebhookEndpointPageDto> {
    return this.endpoints.list(ctx, query);
  }

  @Get(':endpointId')
  @RequirePermission('getWebhookEndpoint')
  @ApiOperation({ summary: 'Read a webhook endpoint (never its secret)' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @Fails(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND)
  getWebhookEndpoint(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookEndpointParams,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.get(ctx, p.endpointId);
  }

  @Post(':endpointId')
  @HttpCode(200)
  @RequirePermission('updateWebhookEndpoint', {
    also: '`TNT#{tenant}#IdentityStore:listAuditEvents` when `url` or `events` is set',
  })
  @ApiOperation({
    summary: 'Change the URL, events, description or activity of a webhook endpoint',
    description:
      'Deactivating ends the deliveries still waiting for a retry (FAILED, "endpoint ' +
      'deactivated"); no deliveries are made while inactive. Redeliver after reactivating if needed. ' +
      'Changing `url` or `events` also needs `listAuditEvents` (else PERMISSION_DENIED).',
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @Fails(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND, ErrorCode.WEBHOOK_URL_NOT_ALLOWED)
  updateWebhookEndpoint(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookEndpointParams,
    @Body() dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(ctx, p.endpointId, dto);
  }

  @Post(':endpointId/rotateSecret')
  @HttpCode(200)
  @RequirePermission('updateWebhookEndpoint')
  @ApiOperation({
    summary: "Replace a webhook endpoint's signing secret (the new one is in this answer only)",
    description:
      'The previous secret keeps signing beside the new one for `overlapSeconds` (default a day): ' +
      'every delivery meanwhile carries both signatures, so the receiver switches secrets ' +
      'without missing an event or seeing one twice. `overlapSeconds: 0` ends the old one at once.',
  })
  @ApiOkResponse({ type: RotatedWebhookSecretDto })
  @Fails(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND, ErrorCode.WEBHOOK_SECRET_ROTATING)
  rotateWebhookSecret(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookEndpointParams,
    @Body() dto: RotateWebhookSecretDto,
  ): Promise<RotatedWebhookSecretDto> {
    return this.endpoints.rotateSecret(ctx, p.endpointId, dto);
  }

  @Delete(':endpointId')
  @HttpCode(204)
  @RequirePermission('deleteWebhookEndpoint')
  @ApiOperation({ summary: 'Delete a webhook endpoint with its delivery log' })
  @ApiNoContentResponse()
  @Fails(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND)
  deleteWebhookEndpoint(
    @Ctx() ctx: RequestContext,
    @Param() p: WebhookEndpointParams,
  ): Promise<void> {
    return this.endpoints.delete(ctx, p.endpointId);
  }
}
