import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { Response } from 'light-my-request';
import { PLATFORM_KEY } from './test-app';

export interface CallOptions {
  key?: string;
  token?: string;
  tenant?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

type Method = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'OPTIONS';

/** One HTTP call through the real Fastify stack (inject: no socket, same pipeline). */
export function call(
  app: NestFastifyApplication,
  method: Method,
  url: string,
  options: CallOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['x-api-key'] = options.key;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.tenant) headers['x-tenant-id'] = options.tenant;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  return app.inject({
    method,
    url,
    headers,
    payload: options.body === undefined ? undefined : JSON.stringify(options.body),
  }) as unknown as Promise<Response>;
}

/** Asserts the status, showing the body when it differs. */
export function expectStatus(response: Response, status: number): void {
  expect({ status: response.statusCode, body: response.body }).toEqual({
    status,
    body: expect.anything(),
  });
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createTenant(
  app: NestFastifyApplication,
  id = uniqueId('t'),
  limits?: Record<string, number>,
): Promise<string> {
  const res = await call(app, 'POST', '/api/identity-store/tenants', {
    key: PLATFORM_KEY,
    body: { id, name: `Tenant ${id}`, ...(limits ? { limits } : {}) },
  });
  expectStatus(res, 201);
  return id;
}

export interface CreatedKey {
  id: string;
  key: string;
}

/** A key of `tenant` made with the platform key. */
export async function createKey(
  app: NestFastifyApplication,
  tenant: string,
  permissions: string[],
  extra: Record<string, unknown> = {},
): Promise<CreatedKey> {
  const res = await call(app, 'POST', '/api/identity-store/apiKeys', {
    key: PLATFORM_KEY,
    tenant,
    body: { name: uniqueId('key'), permissions, ...extra },
  });
  expectStatus(res, 201);
  return { id: res.json().id, key: res.json().key };
}

/** A fresh tenant and a key holding `TNT#{tenant}#IdentityStore:*`. */
export async function tenantWithAdmin(
  app: NestFastifyApplication,
  prefix = 't',
): Promise<{ tenant: string; admin: CreatedKey }> {
  const tenant = await createTenant(app, uniqueId(prefix));
  const admin = await createKey(app, tenant, [`TNT#${tenant}#IdentityStore:*`]);
  return { tenant, admin };
}

export async function issueToken(app: NestFastifyApplication, key: string): Promise<string> {
  const res = await call(app, 'POST', '/api/identity-store/apiKeys/issue', { key });
  expectStatus(res, 201);
  return res.json().token;
}

/** The secret part of `idsk_{id}_{secret}` (the secret itself may contain `_`). */
export function secretOf(key: string): string {
  return key.slice('idsk_'.length + 32 + 1);
}
