import { DomainError, ErrorCode } from '../common/errors';

/**
 * The one home of a tenant's status and quota rules: plain functions, no framework, no SQL.
 * The statements that read the figures (status, counts, the atomic user-slot UPDATE) stay in the
 * repositories; what a figure means, and the error a caller gets, is decided here.
 */

export enum TenantStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}

/** Who is asking: a platform key still manages a suspended tenant. */
export interface TenantCaller {
  isPlatform: boolean;
}

/** Whether a caller may act in a tenant of that status (an ACTIVE one, or any as the platform). */
export function tenantAdmits(status: string, caller: TenantCaller): boolean {
  return status === TenantStatus.ACTIVE || caller.isPlatform;
}

/**
 * Lets the caller proceed in `tenantId`, else TENANT_NOT_FOUND (no status: no such tenant) or
 * TENANT_SUSPENDED. Suspension stops the tenant's own keys and its browsers at once.
 */
export function assertTenantAdmits(
  tenantId: string,
  status: string | null | undefined,
  caller: TenantCaller,
): void {
  if (!status)
    throw new DomainError(ErrorCode.TENANT_NOT_FOUND, `Tenant ${tenantId} does not exist`);
  if (!tenantAdmits(status, caller))
    throw new DomainError(ErrorCode.TENANT_SUSPENDED, `Tenant ${tenantId} is suspended`);
}

/** A new store fits while the tenant has fewer than `maxStores`. */
export function assertStoreQuota(tenantId: string, storeCount: number, maxStores: number): void {
  if (storeCount >= maxStores) {
    throw new DomainError(
      ErrorCode.MAX_STORES_EXCEEDED,
      `Tenant ${tenantId} already has its maximum of ${maxStores} stores`,
    );
  }
}

/**
 * The refusal of a user beyond `maxUsers`. The check itself is one atomic UPDATE in the users
 * repository (`user_count < max_users`), so it holds across stores and instances.
 */
export function maxUsersExceeded(tenantId: string): DomainError {
  return new DomainError(
    ErrorCode.MAX_USERS_EXCEEDED,
    `Tenant ${tenantId} has reached its maximum number of users`,
  );
}

/**
 * The refusal of a passkey beyond the tenant's `maxPasskeysPerUser` (the completion's insert
 * checks the cap in SQL and raises this when it was reached).
 */
export function maxPasskeysExceeded(max: number): DomainError {
  return new DomainError(
    ErrorCode.MAX_PASSKEYS_EXCEEDED,
    `The user already has the maximum of ${max} passkeys`,
  );
}

/** A user may start registering another passkey while below the tenant's `maxPasskeysPerUser`. */
export function assertPasskeyQuota(passkeyCount: number, maxPasskeys: number): void {
  if (passkeyCount >= maxPasskeys) throw maxPasskeysExceeded(maxPasskeys);
}
