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
  verifyAuditEvents: "Verify the audit log's hash chain",
  exportAuditEvents: 'Export the audit log as JSON lines with its hashes (for a SIEM)',
  // stores
  createStore: 'Create an identity store',
  listStores: 'List identity stores',
  getStore: 'Read an identity store',
  updateStore: 'Update an identity store',
  deleteStore: 'Delete an identity store and everything in it',
  // users
  createUser: 'Create a user',
  listUsers: 'List and search users',
  getUser: 'Read a user',
  updateUser: 'Update a user, including its status (unlock)',
  deleteUser: 'Delete a user with its passkeys and open sessions',
  // relying parties
  createRelyingParty: 'Create a relying party (passkey configuration)',
  listRelyingParties: 'List relying parties',
  getRelyingParty: 'Read a relying party',
  updateRelyingParty: 'Update a relying party',
  deleteRelyingParty: 'Delete a relying party with its policies',
  // policies
  createRegistrationPolicy: 'Create a registration policy',
  listRegistrationPolicies: 'List registration policies',
  getRegistrationPolicy: 'Read a registration policy',
  updateRegistrationPolicy: 'Update a registration policy',
  deleteRegistrationPolicy: 'Delete a registration policy',
  createAuthenticationPolicy: 'Create an authentication policy',
  listAuthenticationPolicies: 'List authentication policies',
  getAuthenticationPolicy: 'Read an authentication policy',
  updateAuthenticationPolicy: 'Update an authentication policy',
  deleteAuthenticationPolicy: 'Delete an authentication policy',
  // ceremonies (names fixed by the product)
  createPasskeyAuthenticationForUser: 'Start a passkey authentication of a user by id',
  createPasskeyAuthenticationForUserByExtId:
    'Start a passkey authentication of a user by external id',
  createDiscoverablePasskeyAuthentication: 'Start a username-less passkey authentication',
  completePasskeyAuthentication: 'Complete or cancel a passkey authentication',
  getPasskeyAuthentication: 'Read a passkey authentication session',
  createPasskeyRegistrationForUser: 'Start a passkey registration for a user by id',
  createPasskeyRegistrationForUserByExtId: 'Start a passkey registration for a user by external id',
  completePasskeyRegistration: 'Complete or cancel a passkey registration',
  getPasskeyRegistration: 'Read a passkey registration session',
  // passkeys of a user
  listPasskeys: "List a user's passkeys",
  getPasskey: 'Read a passkey',
  updatePasskey: 'Rename, suspend, revoke a passkey',
  deletePasskey: 'Delete a passkey',
  // credential import and export (moving passkeys between servers)
  importPasskeys: 'Import users and their passkeys (public keys) into a store',
  exportPasskeys: "Export a store's or a user's passkeys (public keys) in the import format",
  // step-up transactions
  createRegisterTransaction: 'Mint a register transaction for the browser',
  createAuthenticateTransaction: 'Mint an authenticate (step-up) transaction for the browser',
  verifyNonce: 'Redeem a nonce from a finished transaction',
  // result-token signing keys
  listSigningKeys: "List the tenant's result-token signing keys (public parts)",
  rotateSigningKey: "Rotate the tenant's result-token signing key",
  // Passage (Passkey Flex) apps of a relying party
  createPassageApp: 'Map a Passage app id to a relying party and its policies',
  listPassageApps: 'List Passage apps',
  getPassageApp: 'Read a Passage app',
  deletePassageApp: 'Delete a Passage app',
  // authenticator metadata (global: platform scope)
  getAuthenticatorMetadata: 'Read what FIDO metadata is loaded (platform)',
  loadAuthenticatorMetadata: 'Load a FIDO MDS BLOB or metadata statements (platform)',
  // webhooks
  createWebhookEndpoint: 'Create a webhook endpoint (its secret is shown once)',
  listWebhookEndpoints: 'List webhook endpoints',
  getWebhookEndpoint: 'Read a webhook endpoint',
  updateWebhookEndpoint: 'Change the URL, events or activity of a webhook endpoint',
  deleteWebhookEndpoint: 'Delete a webhook endpoint and its delivery log',
  listWebhookDeliveries: "Read a webhook endpoint's delivery log",
  redeliverWebhook: 'Send a webhook delivery again',
  pingWebhookEndpoint: 'Send a test event to a webhook endpoint',
} as const;

export type Operation = keyof typeof OPERATIONS;

export const SERVICE = 'IdentityStore';

export function isOperation(value: string): value is Operation {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, value);
}
