import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { allows, formatPermission } from '../auth/permissions';
import { DomainError, ErrorCode } from '../common/errors';
import { pageRequest, toPage } from '../common/pagination/page';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { KeyEncryption } from '../signing/key-encryption';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  RotatedWebhookSecretDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointListQueryDto,
  WebhookEndpointPageDto,
} from './dto/webhook.dto';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { endpointNotFound, urlNotAllowed } from './webhook.errors';
import { newSecret, secretBinding } from './webhook-signature';
import {
  hostOf,
  parseTargetUrl,
  resolveTarget,
  TargetRefused,
  targetPolicy,
} from './webhook-targets';
import { EndpointChanges, WebhooksRepository } from './webhooks.repository';

/** Endpoints per tenant: each one is probed by every event of the tenant (the outbox trigger). */
export const MAX_WEBHOOK_ENDPOINTS = 20;

/** How long a rotated-out secret keeps signing by default: a day. */
const DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;

/** A tenant's webhook endpoints: create (the secret shown once), list, read, change, delete. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly host: TransactionHost,
    private readonly webhooks: WebhooksRepository,
    private readonly sealer: KeyEncryption,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    ctx: RequestContext,
    dto: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointDto> {
    assertMayReadEvents(ctx);
    const url = await this.checkedUrl(dto.url);
    const id = randomUUID();
    const secret = newSecret();
    const secretSealed = await this.sealer.seal(
      { kty: 'oct', k: secret.bytes.toString('base64url') },
      secretBinding(ctx.tenantId, id),
    );
    const active = dto.active ?? true;
    await this.host.run(async () => {
      const row = {
        tenantId: ctx.tenantId,
        id,
        url: url.href,
        events: dto.events,
        description: dto.description ?? null,
        active,
        secretSealed,
        previousSecretSealed: null,
        previousSecretUntil: null,
      };
      if (!(await this.webhooks.insertEndpoint(row, MAX_WEBHOOK_ENDPOINTS))) {
        throw new DomainError(
          ErrorCode.MAX_WEBHOOK_ENDPOINTS_EXCEEDED,
          `A tenant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`,
        );
      }
      await this.audit.record(ctx, {
        type: AuditEventType.WEBHOOK_ENDPOINT_CREATED,
        details: { endpointId: id, host: url.host, events: dto.events, active },
      });
    });
    const created = await this.webhooks.endpoint(ctx.tenantId, id);
    return { ...toDto(created!), secret: secret.text };
  }

  async list(
    ctx: RequestContext,
    query: WebhookEndpointListQueryDto,
  ): Promise<WebhookEndpointPageDto> {
    const request = pageRequest(query);
    const { rows, total } = await this.webhooks.listEndpoints(ctx.tenantId, {
      limit: request.size,
      offset: request.offset,
    });
    return toPage(rows.map(toDto), total, request);
  }

  async get(ctx: RequestContext, endpointId: string): Promise<WebhookEndpointDto> {
    return toDto(await this.find(ctx, endpointId));
  }

  async update(
    ctx: RequestContext,
    endpointId: string,
    dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    await this.find(ctx, endpointId); // another tenant's id is a 404 whatever the body says
    // where the events go, and which: a read of the audit log
    if (dto.url !== undefined || dto.events !== undefined) assertMayReadEvents(ctx);
    const changes: EndpointChanges = {};
    if (dto.url !== undefined) changes.url = (await this.checkedUrl(dto.url)).href;
    if (dto.events !== undefined) changes.events = dto.events;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.active !== undefined) changes.active = dto.active;
    const updated = await this.host.run(async () => {
      const row = await this.webhooks.updateEndpoint(ctx.tenantId, endpointId, changes);
      if (!row) throw endpointNotFound();
      // an inactive endpoint is sent nothing, not even what was waiting for a retry
      if (changes.active === false) {
        await this.webhooks.failPending(ctx.tenantId, endpointId, 'endpoint deactivated');
      }
      await this.audit.record(ctx, {
        type: AuditEventType.WEBHOOK_ENDPOINT_UPDATED,
        details: {
          endpointId,
          changed: Object.keys(changes).sort(),
          host: new URL(row.url).host,
          events: row.events,
          active: row.active,
        },
      });
      return row;
    });
    return toDto(updated);
  }

  /**
   * A new signing secret (shown in this answer only). The previous one keeps signing beside it
   * for `overlapSeconds` (default a day; 0: at once, as after a leak), so a receiver can switch
   * without missing an event or seeing one twice under another `webhook-id`.
   */
  async rotateSecret(
    ctx: RequestContext,
    endpointId: string,
    dto: RotateWebhookSecretDto,
  ): Promise<RotatedWebhookSecretDto> {
    await this.find(ctx, endpointId); // another tenant's id is a 404
    const overlap = dto.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
    const secret = newSecret();
    const secretSealed = await this.sealer.seal(
      { kty: 'oct', k: secret.bytes.toString('base64url') },
      secretBinding(ctx.tenantId, endpointId),
    );
    const until = await this.host.run(async () => {
      const rotated = await this.webhooks.rotateSecret(
        ctx.tenantId,
        endpointId,
        secretSealed,
        overlap,
      );
      if (!rotated) throw endpointNotFound();
      if (rotated === 'rotating') {
        throw new DomainError(
          ErrorCode.WEBHOOK_SECRET_ROTATING,
          'A rotation is still in its overlap: receivers may be using either secret. Rotate again once it ends, or with overlapSeconds 0 (a leak: the previous secret stops at once)',
        );
      }
      await this.audit.record(ctx, {
        type: AuditEventType.WEBHOOK_ENDPOINT_UPDATED,
        details: { endpointId, changed: ['secret'], previousSecretOverlapSeconds: overlap },
      });
      return rotated.previousSecretUntil;
    });
    return {
      id: endpointId,
      secret: secret.text,
      previousSecretExpiresAt: until?.toISOString() ?? null,
    };
  }

  async delete(ctx: RequestContext, endpointId: string): Promise<void> {
    await this.host.run(async () => {
      const row = await this.webhooks.endpoint(ctx.tenantId, endpointId);
      if (!row || !(await this.webhooks.deleteEndpoint(ctx.tenantId, endpointId))) {
        throw endpointNotFound();
      }
      await this.audit.record(ctx, {
        type: AuditEventType.WEBHOOK_ENDPOINT_DELETED,
        details: { endpointId, host: new URL(row.url).host },
      });
    });
  }

  /** The endpoint of the caller's tenant, or 404. */
  async find(ctx: RequestContext, endpointId: string): Promise<WebhookEndpointEntity> {
    const row = await this.webhooks.endpoint(ctx.tenantId, endpointId);
    if (!row) throw endpointNotFound();
    return row;
  }

  /** The URL, when it is a target webhooks may go to now (every address of its host checked). */
  private async checkedUrl(raw: string): Promise<URL> {
    const policy = targetPolicy(this.config);
    try {
      const url = parseTargetUrl(raw, policy);
      await resolveTarget(hostOf(url), policy);
      return url;
    } catch (error) {
      if (error instanceof TargetRefused) throw urlNotAllowed(error.message);
      throw error;
    }
  }
}

function toDto(row: WebhookEndpointEntity): WebhookEndpointDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * A webhook endpoint receives the tenant's audit events with their details: choosing where they
 * go (creating an endpoint, changing its URL) or which go there (its events) is a read of the
 * audit log, so it also takes `listAuditEvents`. Otherwise a key without that permission could
 * read every future event, or turn an endpoint towards itself and have past deliveries redelivered
 * there.
 */
function assertMayReadEvents(ctx: RequestContext): void {
  if (ctx.principal.permissions.some((held) => allows(held, ctx.tenantId, 'listAuditEvents'))) {
    return;
  }
  throw new DomainError(
    ErrorCode.PERMISSION_DENIED,
    `Choosing where or which audit events are sent also requires ${formatPermission(ctx.tenantId, 'listAuditEvents')}`,
  );
}
