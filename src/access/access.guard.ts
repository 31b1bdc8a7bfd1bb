import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { clientBucket } from '../rate-limit/client-bucket';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { DomainError, ErrorCode } from '../common/errors';
import { AccessRepository } from './access.repository';
import { DeferredContext } from './deferred-context';
import { assertTenantAdmits } from '../tenants/tenant-rules';
import { ApiKeyVerifier } from './api-key-verifier';
import {
  API_KEY_ONLY,
  BEARER_API_KEY,
  KEY_CHECK_DEFERRED,
  PermissionRequirement,
  RATE_LIMITED,
  REQUIRED_PERMISSION,
} from '../auth/permission.decorator';
import { allows, formatPermission, TENANT_ID_PATTERN } from '../auth/permissions';
import { IS_PUBLIC } from '../auth/public.decorator';
import type { Principal, RequestContext } from '../auth/request-context';
import { loggableMessage } from '../common/logging/error-serializer';

/**
 * The global guard. Default-deny: a route must be `@Public()`, `@RequireApiKey()` or
 * `@RequirePermission(op)`; anything else is refused (and the isolation test fails on it).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly audit: AuditService,
    private readonly repository: AccessRepository,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();

    const limited = this.reflector.getAllAndOverride<boolean>(RATE_LIMITED, targets);
    if (this.reflector.getAllAndOverride<boolean>(API_KEY_ONLY, targets)) {
      request.principal = await this.apiKeys.verify(request, true);
      // a suspended tenant's key gets no token (every other route would refuse it anyway)
      const own = request.principal.tenantId;
      if (own) assertTenantAdmits(own, request.principal.tenantStatus, request.principal);
      if (limited) await this.rateLimit(context, request, request.principal);
      return true;
    }
    const requirement = this.reflector.getAllAndOverride<PermissionRequirement>(
      REQUIRED_PERMISSION,
      targets,
    );
    if (!requirement) {
      this.logger.error(`route ${request.routeOptions.url} declares no permission: refused`);
      throw new DomainError(ErrorCode.PERMISSION_DENIED, 'This operation is not available');
    }

    if (
      requirement.scope === 'tenant' &&
      this.reflector.getAllAndOverride<boolean>(KEY_CHECK_DEFERRED, targets)
    ) {
      const key = this.apiKeys.deferrable(request);
      const tenantHint = key && this.validTenantHint(request);
      // a malformed target tenant takes the usual path, so it is answered in the usual order; so
      // does a key this instance already refuses for its rate limit (no read for a flood)
      if (
        key &&
        tenantHint !== undefined &&
        !(limited && this.limiter.refusing(`key:${key.id}`, 60))
      ) {
        request.ctx = new DeferredContext(
          String(request.id),
          request.ip,
          key.id,
          key.secretHash,
          tenantHint,
          (row) =>
            this.apiKeys
              .fromRow(key.presented, row)
              .then((principal) =>
                this.authorize(
                  context,
                  request,
                  requirement,
                  principal,
                  limited,
                  row?.targetTenantStatus,
                ),
              ),
        );
        return true;
      }
    }
    const bearerApiKey = this.reflector.getAllAndOverride<boolean>(BEARER_API_KEY, targets);
    const principal = await this.apiKeys.verify(request, false, bearerApiKey === true);
    request.ctx = await this.authorize(context, request, requirement, principal, limited);
    return true;
  }

  /**
   * The checks after the key: the permission on the target tenant, the tenant's status, the rate
   * limits. `targetStatus`: the target tenant's status when a statement already read it.
   */
  private async authorize(
    context: ExecutionContext,
    request: FastifyRequest,
    requirement: PermissionRequirement,
    principal: Principal,
    limited: boolean | undefined,
    targetStatus?: string | null,
  ): Promise<RequestContext> {
    request.principal = principal;
    const tenantId = this.targetTenant(request, requirement, principal);
    const ctx: RequestContext = {
      tenantId,
      principal,
      requestId: String(request.id),
      ip: request.ip,
    };
    if (!principal.permissions.some((held) => allows(held, tenantId, requirement.operation))) {
      await this.denied(ctx, requirement);
    }
    if (tenantId !== '*') await this.assertTenantActive(tenantId, principal, targetStatus);
    if (limited) await this.rateLimit(context, request, principal);
    return ctx;
  }

  /** Per-key and per-IP counters of the caller's tenant, in one round trip. */
  private async rateLimit(
    context: ExecutionContext,
    request: FastifyRequest,
    principal: Principal,
  ): Promise<void> {
    const scope = principal.tenantId ?? 'platform';
    const result = await this.limiter.hitAll(
      [
        {
          key: `key:${principal.keyId}`,
          limit: principal.rateLimits?.perKey ?? this.config.rateLimitPerKey,
        },
        {
          key: `ip:${scope}:${clientBucket(request.ip)}`,
          limit: principal.rateLimits?.perIp ?? this.config.rateLimitPerIp,
        },
      ],
      60,
    );
    if (!result) return;
    context.switchToHttp().getResponse<FastifyReply>().headers(RateLimiter.headers(result));
    if (!result.allowed) throw RateLimiter.exceeded(result);
  }

  /** product.md §3: path `{tenantId}`, else `X-Tenant-Id`, else the key's own tenant. */
  private targetTenant(
    request: FastifyRequest,
    requirement: PermissionRequirement,
    principal: Principal,
  ): string {
    if (requirement.scope === 'platform') return '*';
    const named = this.tenantHint(request);
    if (named !== null) return named;
    if (!principal.tenantId) {
      throw DomainError.invalidField(
        'X-Tenant-Id',
        'is required: a platform key has no tenant of its own',
        'header',
      );
    }
    return principal.tenantId;
  }

  /** `tenantHint`, or undefined when it is malformed (no exception). */
  private validTenantHint(request: FastifyRequest): string | null | undefined {
    try {
      return this.tenantHint(request);
    } catch {
      return undefined;
    }
  }

  /** The tenant the path or `X-Tenant-Id` names (validated), or null. */
  private tenantHint(request: FastifyRequest): string | null {
    const fromPath = (request.params as Record<string, string> | undefined)?.tenantId;
    if (fromPath !== undefined) {
      if (!TENANT_ID_PATTERN.test(fromPath)) {
        throw DomainError.invalidField('tenantId', 'must be a tenant id ([a-z0-9-], 2-63)', 'path');
      }
      return fromPath;
    }
    const header = request.headers['x-tenant-id'];
    if (header === undefined) return null;
    if (typeof header !== 'string' || !TENANT_ID_PATTERN.test(header)) {
      throw DomainError.invalidField(
        'X-Tenant-Id',
        'must be a tenant id ([a-z0-9-], 2-63)',
        'header',
      );
    }
    return header;
  }

  private async denied(ctx: RequestContext, requirement: PermissionRequirement): Promise<never> {
    const needed = formatPermission(ctx.tenantId, requirement.operation);
    // Recorded in the caller's own tenant: the target never learns who probed it, and the
    // caller's admins see what their key tried.
    await this.audit
      .record(ctx, {
        type: AuditEventType.PERMISSION_DENIED,
        tenantId: ctx.principal.tenantId,
        details: { operation: requirement.operation, permission: needed },
      })
      .catch((error: unknown) => this.logger.warn(`audit write failed: ${loggableMessage(error)}`));
    throw new DomainError(ErrorCode.PERMISSION_DENIED, `This operation requires ${needed}`);
  }

  private async assertTenantActive(
    tenantId: string,
    principal: Principal,
    targetStatus?: string | null,
  ): Promise<void> {
    // The key's own tenant came with the key lookup, another target may have come with the
    // ceremony's statement; otherwise it costs a query.
    const status =
      tenantId === principal.tenantId
        ? principal.tenantStatus
        : targetStatus !== undefined
          ? targetStatus
          : await this.repository.tenantStatus(tenantId);
    assertTenantAdmits(tenantId, status, principal);
  }
}
