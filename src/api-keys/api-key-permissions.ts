import { DomainError, ErrorCode, FieldError } from '../common/errors';
import { firstUncovered, parsePermission, Permission } from '../auth/permissions';
import { SERVICE } from '../auth/operations';
import type { Principal } from '../auth/request-context';

/**
 * Validates the permissions asked for a key of `tenantId`: each well-formed, naming that tenant
 * (a tenant key never reaches another tenant or the platform scope), and each covered by a
 * permission the caller holds (no escalation).
 */
export function checkGrantable(requested: string[], tenantId: string, caller: Principal): void {
  const errors: FieldError[] = [];
  const parsed: Permission[] = [];
  requested.forEach((text, i) => {
    const permission = parsePermission(text);
    if (!permission) {
      errors.push({
        field: `permissions[${i}]`,
        in: 'body',
        message: `"${text}" is not TNT#{tenant}#IdentityStore:{operation} with a known operation or *`,
      });
    } else if (permission.tenant !== tenantId) {
      errors.push({
        field: `permissions[${i}]`,
        in: 'body',
        message: `"${text}" must name this key's tenant (${tenantId})`,
      });
    } else {
      parsed.push(permission);
    }
  });
  if (errors.length > 0) {
    throw new DomainError(ErrorCode.VALIDATION_FAILED, errors.map((e) => e.message).join('; '), {
      errors,
    });
  }
  const beyond = firstUncovered(caller.permissions, parsed);
  if (beyond) {
    const text = format(beyond);
    throw new DomainError(
      ErrorCode.PERMISSION_ESCALATION,
      `A key cannot grant ${text}: the caller does not hold it`,
      {
        errors: [{ field: 'permissions', in: 'body', message: `not held by the caller: ${text}` }],
      },
    );
  }
}

/**
 * The same no-escalation rule for an existing key: only a caller holding every permission the
 * key holds may change it (status, expiry, permissions, name) or delete it. Otherwise a weak key
 * could reactivate, prolong, cripple or remove a stronger one.
 */
export function checkManageable(
  key: { tenantId: string | null; permissions: string[] },
  caller: Principal,
): void {
  // A stored permission that no longer parses (an operation since removed) is treated as the
  // tenant's wildcard: only a caller holding everything may manage that key.
  const held = key.permissions.map(
    (text) =>
      parsePermission(text) ?? { tenant: key.tenantId ?? '*', service: SERVICE, operation: '*' },
  );
  const beyond = firstUncovered(caller.permissions, held);
  if (beyond) {
    throw new DomainError(
      ErrorCode.PERMISSION_ESCALATION,
      `A key cannot change or delete a key holding ${format(beyond)}: the caller does not hold it`,
    );
  }
}

/**
 * A key's lifetime is capped by its maker's: a caller whose own key expires may give a key (a new
 * one, or one it changes) no expiry later than its own, and not "never"; nor may it make active
 * again, or change the permissions of, a key that would outlive it. Otherwise a time-limited key could outlive itself through the
 * keys it makes, or by prolonging itself.
 */
export function checkLifetime(expiresAt: Date | null, caller: Principal): void {
  const limit = caller.expiresAt;
  if (!limit || (expiresAt !== null && expiresAt.getTime() <= limit.getTime())) return;
  const until = limit.toISOString();
  throw new DomainError(
    ErrorCode.PERMISSION_ESCALATION,
    `The caller's key expires at ${until}: it cannot give a key ${expiresAt ? 'a later expiry' : 'no expiry'}`,
    { errors: [{ field: 'expiresAt', in: 'body', message: `must be at or before ${until}` }] },
  );
}

function format(p: Permission): string {
  return `TNT#${p.tenant}#${p.service}:${p.operation}`;
}
