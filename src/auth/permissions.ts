import { isOperation, Operation, SERVICE } from './operations';

export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface Permission {
  /** A tenant id or `*`. */
  tenant: string;
  service: string;
  /** An operation or `*`. */
  operation: string;
}

const PERMISSION = /^TNT#([^#]+)#([A-Za-z]+):([A-Za-z*]+)$/;

/** Parses `TNT#{tenant}#{Service}:{op}`; undefined when malformed or naming no known operation. */
export function parsePermission(text: string): Permission | undefined {
  const match = PERMISSION.exec(text);
  if (!match) return undefined;
  const [, tenant, service, operation] = match;
  if (tenant !== '*' && !TENANT_ID_PATTERN.test(tenant)) return undefined;
  if (service !== SERVICE) return undefined;
  if (operation !== '*' && !isOperation(operation)) return undefined;
  return { tenant, service, operation };
}

export function formatPermission(tenant: string, operation: Operation | '*'): string {
  return `TNT#${tenant}#${SERVICE}:${operation}`;
}

/** Does `held` allow `operation` on `tenant`? The target `*` (platform scope) needs a `*` tenant. */
export function allows(held: Permission, tenant: string, operation: Operation): boolean {
  return (
    held.service === SERVICE &&
    (held.tenant === '*' || held.tenant === tenant) &&
    (held.operation === '*' || held.operation === operation)
  );
}

/** Does `held` cover everything `wanted` grants? (the no-escalation rule for new keys) */
export function covers(held: Permission, wanted: Permission): boolean {
  return (
    held.service === wanted.service &&
    (held.tenant === '*' || held.tenant === wanted.tenant) &&
    (held.operation === '*' || held.operation === wanted.operation)
  );
}

/** The first of `wanted` that none of `held` covers; undefined when `held` covers them all. */
export function firstUncovered(held: Permission[], wanted: Permission[]): Permission | undefined {
  return wanted.find((w) => !held.some((h) => covers(h, w)));
}
