import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiForbiddenResponse,
  ApiHeader,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../openapi/openapi';
import { ProblemDto } from '../openapi/problem.dto';
import { Operation } from './operations';
import { formatPermission } from './permissions';

export const REQUIRED_PERMISSION = 'ids:requiredPermission';
export const API_KEY_ONLY = 'ids:apiKeyOnly';
export const RATE_LIMITED = 'ids:rateLimited';
export const KEY_CHECK_DEFERRED = 'ids:keyCheckDeferred';

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
  options: { scope?: PermissionScope; tenantInPath?: boolean } = {},
): MethodDecorator {
  const scope = options.scope ?? 'tenant';
  const requirement: PermissionRequirement = { operation, scope };
  const permission = formatPermission(scope === 'platform' ? '*' : '{tenant}', operation);
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSION, requirement),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiExtension('x-permission', permission),
    ApiUnauthorizedResponse({ type: ProblemDto, description: 'UNAUTHENTICATED' }),
    ApiForbiddenResponse({ type: ProblemDto, description: 'PERMISSION_DENIED' }),
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
    ApiUnauthorizedResponse({ type: ProblemDto, description: 'UNAUTHENTICATED' }),
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
    ApiTooManyRequestsResponse({
      type: ProblemDto,
      description: 'RATE_LIMITED (Retry-After, RateLimit-* headers)',
    }),
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
