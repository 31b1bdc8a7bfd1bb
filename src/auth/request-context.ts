import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Permission } from './permissions';

/** Who is calling: an API key, presented directly or through a bearer token. */
export interface Principal {
  /** null for the browser routes of step-up transactions (the transaction id is the capability) */
  keyId: string | null;
  /** The key's own tenant; null for platform keys. */
  tenantId: string | null;
  isPlatform: boolean;
  permissions: Permission[];
  via: 'apiKey' | 'bearer';
  /** Which secret the key has now (`secretFingerprint`): what a token issued for it carries. */
  secretFingerprint?: string;
  /** When the key expires (null: never; undefined: no key, the browser routes). */
  expiresAt?: Date | null;
  /** Status of the key's own tenant (undefined for platform keys). */
  tenantStatus?: string | null;
  /** The tenant's rate limits per minute (null: server default). */
  rateLimits?: { perKey: number | null; perIp: number | null };
}

/**
 * An API key the guard left for the route's first statement to look up (the hot ceremony
 * routes, `@KeyCheckedByFirstRead()`): that statement reads the key row with the route's data,
 * and `admit` checks it before anything read is used. Until then the context has no tenant and
 * no principal (reading them throws), so nothing can run on an unchecked key.
 */
export interface DeferredKeyCheck {
  /** The presented key's id. */
  keyId: string;
  /** The SHA-256 of the presented secret: the statement reads nothing for a key it does not match. */
  secretHash: Buffer;
  /** The target tenant the path or `X-Tenant-Id` names; null: the key's own. */
  tenantHint: string | null;
  /**
   * Checks the key columns (`key_*`) the statement returned (null: no key has that id):
   * 401/403/404/429, or the context is complete.
   */
  admit(row: Record<string, unknown> | null): Promise<void>;
}

/** Everything a service needs to know about the request; built by the guard. */
export interface RequestContext {
  /** The target tenant (product.md §3), or `*` on platform-scope routes. */
  readonly tenantId: string;
  readonly principal: Principal;
  readonly requestId: string;
  readonly ip: string;
  /** Present while the key is still to be checked by the route's first statement. */
  readonly keyCheck?: DeferredKeyCheck;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    ctx?: RequestContext;
  }
}

/** The RequestContext of a guarded route. */
export const Ctx = createParamDecorator(
  (_data: unknown, host: ExecutionContext): RequestContext => {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (!request.ctx) throw new Error('RequestContext missing: is the route guarded?');
    return request.ctx;
  },
);

/** The authenticated principal of a route that needs a key but no permission. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, host: ExecutionContext): Principal => {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (!request.principal) throw new Error('Principal missing: is the route guarded?');
    return request.principal;
  },
);
