import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument, serializeOpenApi } from '../../src/openapi/openapi';
import { createTestApp, TestApp } from '../support/test-app';

const COMMITTED = join(__dirname, '..', '..', 'openapi', 'openapi.json');

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('matches the committed openapi/openapi.json (run `npm run openapi` after changing routes)', () => {
    const generated = serializeOpenApi(buildOpenApiDocument(t.app));
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(generated).toBe(committed);
  });

  it('is what /api/docs-json serves', async () => {
    const served = (await t.app.inject({ method: 'GET', url: '/api/docs-json' })).json();
    expect(served).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
  });

  it('says what a keyless route needs: every public operation that acts names its capability', () => {
    const doc = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        // reads of what is public by nature: health, metrics, keys, the client module
        if (!op['x-public'] || method === 'get') continue;
        if (typeof op['x-capability'] !== 'string') missing.push(`${method.toUpperCase()} ${path}`);
        else expect(op.description).toContain('**Capability**');
      }
    }
    expect(missing).toEqual([]);
  });

  it('names the permissions a route also checks, beside its own', () => {
    const doc = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    const also = Object.values<Record<string, Record<string, unknown>>>(doc.paths)
      .flatMap((item) => Object.values(item))
      .filter((op) => op['x-permission-also'])
      .map((op) => [op.operationId, String(op['x-permission-also']).split('`')[1]]);
    expect(also).toEqual(
      expect.arrayContaining([
        ['createWebhookEndpoint', 'TNT#{tenant}#IdentityStore:listAuditEvents'],
        ['updateWebhookEndpoint', 'TNT#{tenant}#IdentityStore:listAuditEvents'],
      ]),
    );
  });

  it('Swagger UI: never framed, keeps no pasted key, and answers carry no-store unless a route caches', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
    });
    const init = await t.app.inject({ method: 'GET', url: '/api/docs/swagger-ui-init.js' });
    expect(init.body).toContain('"persistAuthorization": false');
    const api = await t.app.inject({ method: 'GET', url: '/api/health/live' });
    expect(api.headers).toMatchObject({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(api.headers['x-frame-options']).toBeUndefined();
    const raw = await t.app.inject({ method: 'GET', url: '/api/docs/index.html' });
    expect(raw.body).not.toContain('petstore');
  });

  it('has a unique operationId and a summary for every operation', () => {
    const doc = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    const ids: string[] = [];
    for (const [path, item] of Object.entries<
      Record<string, { operationId: string; summary?: string }>
    >(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        ids.push(op.operationId);
        expect({ op: `${method} ${path}`, summary: op.summary }).toEqual({
          op: `${method} ${path}`,
          summary: expect.any(String),
        });
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
