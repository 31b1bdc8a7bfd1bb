import type { RequestContext } from '../auth/request-context';

/**
 * The caller's IP as an event records it. A platform key acting in a tenant (tenant changes,
 * X-Tenant-Id) writes into that tenant's chain, which the tenant reads: the operator's own
 * address is not the tenant's to see (review). The key id stays: it tells the tenant the
 * platform acted.
 */
export function auditedIp(ctx: RequestContext, chainTenant: string | null): string | null {
  const inTenantChain = chainTenant !== null && chainTenant !== '*';
  return ctx.principal.isPlatform && inTenantChain ? null : ctx.ip;
}
