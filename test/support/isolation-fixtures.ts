import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { call, expectStatus, uniqueId } from './api';

/**
 * Tenant A's resources, one for every path parameter the API has. When a new route introduces
 * a path parameter, add it here: the isolation test fails until it can fill every parameter.
 */
export interface TenantResources {
  /** path parameter name → A's value */
  params: Record<string, string>;
  /** values only A knows: none may ever appear in an answer to B */
  markers: string[];
  /** URLs that must still read 200 for A after B's attempts (nothing was changed or deleted) */
  survivors: string[];
}

export async function seedTenantResources(
  app: NestFastifyApplication,
  tenant: string,
  adminKey: string,
): Promise<TenantResources> {
  const marker = uniqueId('secret-of-a');
  const key = await call(app, 'POST', '/api/identity-store/apiKeys', {
    key: adminKey,
    body: { name: `${marker}-key`, description: `${marker}-description`, permissions: [] },
  });
  expectStatus(key, 201);
  const apiKeyId = key.json().id as string;

  return {
    params: { tenantId: tenant, apiKeyId },
    markers: [`${marker}-key`, `${marker}-description`, apiKeyId],
    survivors: [`/api/identity-store/apiKeys/${apiKeyId}`, `/api/identity-store/tenants/${tenant}`],
  };
}
