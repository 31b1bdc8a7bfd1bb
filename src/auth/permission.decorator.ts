import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiHeader, ApiSecurity } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../openapi/openapi';
import { Operation } from './operations';
import { formatPermission } from './permissions';

export const REQUIRED_PERMISSION = 'ids:requiredPermission';
export const API_KEY_ONLY = 'ids:apiKeyOnly';
export const RATE_LIMITED = 'ids:rateLimited';
export const KEY_CHECK_DEFERRED = 'ids:keyCheckDeferred';
export const BEARER_API_KEY = 'ids:bearerApiKey';

/**
 * Where the target tenant comes from: `tenant` = path `{tenantId}`, else `X-Tenant-Id`, else the
 * key's own tenant (product.md §3); `platform` = the platform scope (`TNT#*#...` only).
 */
export type PermissionScope = 'tenant' | 'platform';

export interface PermissionRequirement {
  operation: Operation;
  scope: PermissionScope;
}

/**
 * THE way to guard a route: enforces `TNT#{target}#IdentityStore:{operation}` and writes the same
 * permission into the OpenAPI document, so the two cannot disagree.
 */
export function RequirePermission(
  operation: Operation,
  options: {
    scope?: PermissionScope;
    tenantInPath?: boolean;
    /**
     * Permissions the service also checks in some cases (documentation: the service enforces
     * them), as `x-permission-also` and in the description, e.g. `listAuditEvents when url or
     * events is set`.
     */
    also?: string;
  } = {},
): MethodDecorator {
  const scope = options.scope ?? 'tenant';
  const requirement: PermissionRequirement = { operation, scope };
  const permission = formatPermission(scope === 'platform' ? '*' : '{tenant}', operation);
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSION, requirement),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-permission', permission),
    ...(options.also ? [ApiExtension('x-permission-also', options.also)] : []),
    Fails(ErrorCode.UNAUTHENTICATED, ErrorCode.PERMISSION_DENIED),
    // the target tenant: a malformed X-Tenant-Id or path, no such tenant, a suspended one
    ...(scope === 'tenant'
      ? [Fails(ErrorCode.VALIDATION_FAILED, ErrorCode.TENANT_NOT_FOUND, ErrorCode.TENANT_SUSPENDED)]
      : []),
    ...(scope === 'tenant' && !options.tenantInPath
      ? [
          ApiHeader({
            name: 'X-Tenant-Id',
            required: false,
            description: "Target tenant; defaults to the API key's own tenant",
          }),
        ]
      : []),
  );
}

/** A route that needs a valid API key in `X-Api-Key` (not a token) but no permission. */
export function RequireApiKey(): MethodDecorator {
  return applyDecorators(
    SetMetadata(API_KEY_ONLY, true),
    ApiSecurity(API_KEY_SCHEME),
    ApiExtension('x-permission', 'any active API key (X-Api-Key only)'),
    ApiExtension('x-api-key-only', true),
    Fails(ErrorCode.UNAUTHENTICATED),
  );
}

/**
 * Counts the request against the caller's per-key and per-IP limits (per tenant, per minute,
 * in PostgreSQL); past either, 429 with Retry-After. Applied to ceremony and token routes.
 */
export function RateLimited(): MethodDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMITED, true),
    ApiExtension('x-rate-limited', true),
    Fails(ErrorCode.RATE_LIMITED),
  );
}

/**
 * The hot ceremony routes: an `X-Api-Key` is looked up by the route's first statement rather
 * than by a statement of its own (one round trip less). The key, the permission, the tenant and
 * the rate limits are checked exactly as for any route, before anything the statement read is
 * used (`DeferredKeyCheck`); a bearer token or a platform key takes the usual path.
 */
export function KeyCheckedByFirstRead(): MethodDecorator {
  return SetMetadata(KEY_CHECK_DEFERRED, true);
}

/**
 * The route also takes the API key itself as `Authorization: Bearer <key>` (what Passage's
 * backend SDK sends), besides `X-Api-Key` and a bearer token. Only for the routes of an API kept
 * compatible with another vendor's: elsewhere a bearer is always a token.
 */
export function BearerApiKey(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(BEARER_API_KEY, true), ApiExtension('x-bearer-api-key', true));
}
