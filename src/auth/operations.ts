/**
 * The registry of operations: every permission-guarded route names one of these, and API keys
 * may only carry permissions for these (or `*`). A permission string is
 * `TNT#{tenant}#IdentityStore:{operation}`.
 */
export const OPERATIONS = {
  // tenants (platform scope except getTenant)
  createTenant: 'Create a tenant (platform)',
  listTenants: 'List tenants (platform)',
  getTenant: 'Read a tenant',
  updateTenant: 'Update a tenant and its limits (platform)',
  deleteTenant: 'Delete a tenant and everything in it (platform)',
  getLimits: "Read the tenant's limits and usage",
  // API keys
  createApiKey: 'Create an API key',
  listApiKeys: 'List API keys',
  getApiKey: 'Read an API key',
  updateApiKey: 'Update, block or archive an API key',
  deleteApiKey: 'Delete an API key',
  // audit
  listAuditEvents: 'Read the audit log',
} as const;

export type Operation = keyof typeof OPERATIONS;

export const SERVICE = 'IdentityStore';

export function isOperation(value: string): value is Operation {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, value);
}
