import { DomainError, ErrorCode, FieldError } from '../common/errors';
import { covers, parsePermission, Permission } from '../auth/permissions';
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
  const beyond = parsed.find((wanted) => !caller.permissions.some((held) => covers(held, wanted)));
  if (beyond) {
    const text = `TNT#${beyond.tenant}#${beyond.service}:${beyond.operation}`;
    throw new DomainError(
      ErrorCode.PERMISSION_ESCALATION,
      `A key cannot grant ${text}: the caller does not hold it`,
      {
        errors: [{ field: 'permissions', in: 'body', message: `not held by the caller: ${text}` }],
      },
    );
  }
}
