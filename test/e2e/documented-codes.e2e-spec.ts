/**
 * The "undocumented code" check (test/setup/documented-codes.ts runs it after every e2e file):
 * here, that it sees what a route answers, and that it fails when the document leaves a code out.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { observeProblems } from '../../src/common/errors/problem-observer';
import { buildOpenApiDocument } from '../../src/openapi/openapi';
import { call, tenantWithAdmin } from '../support/api';
import { Answered, undocumented } from '../support/documented-codes';
import { seedTenantResources } from '../support/isolation-fixtures';
import { createTestApp, TestApp } from '../support/test-app';

const VERIFY = '/api/identity-store/stores/{storeName}/passkeys/nonces/verify';

describe('the "undocumented code" check', () => {
  let t: TestApp;
  let key: string;
  let storeName: string;
  const seen: (Answered | { method: string; route: undefined; code: string })[] = [];
  let stop: () => void;

  beforeAll(async () => {
    t = await createTestApp();
    const a = await tenantWithAdmin(t.app, 'doc');
    key = a.admin.key;
    storeName = (await seedTenantResources(t.app, a.tenant, key)).params.storeName;
    stop = observeProblems(({ method, route, problem }) =>
      seen.push({ method, route, code: problem.code } as Answered),
    );
  });
  afterAll(async () => {
    stop();
    await t.close();
  });

  async function verifyUnknownNonce(): Promise<Answered> {
    seen.length = 0;
    const res = await call(t.app, 'POST', VERIFY.replace('{storeName}', storeName), {
      key,
      body: { nonce: 'A'.repeat(43) },
    });
    expect(res.statusCode).toBe(404);
    expect(seen).toHaveLength(1);
    return seen[0] as Answered;
  }

  it("records a problem with its route's pattern and code, and finds it documented", async () => {
    const answered = await verifyUnknownNonce();
    expect(answered).toEqual({
      method: 'POST',
      route: '/api/identity-store/stores/:storeName/passkeys/nonces/verify',
      code: 'NONCE_NOT_FOUND',
    });
    expect(undocumented([answered], buildOpenApiDocument(t.app))).toEqual([]);
  });

  it('fails when the route answers a code its operation does not list', async () => {
    const answered = await verifyUnknownNonce();
    const doc: OpenAPIObject = buildOpenApiDocument(t.app);
    const notFound = doc.paths[VERIFY].post!.responses['404'] as {
      content: Record<
        string,
        { schema: { allOf: { properties?: { code?: { enum: string[] } } }[] } }
      >;
    };
    const codes = notFound.content['application/problem+json'].schema.allOf[1].properties!.code!;
    codes.enum = codes.enum.filter((code) => code !== 'NONCE_NOT_FOUND');
    expect(undocumented([answered], doc)).toEqual([`POST ${VERIFY}: NONCE_NOT_FOUND`]);
  });

  it('reports a route the document does not have', () => {
    expect(
      undocumented([{ method: 'GET', route: '/api/identity-store/nowhere/:id', code: 'X' }]),
    ).toEqual(['GET /api/identity-store/nowhere/{id}: not in the document']);
  });

  it('attributes a refusal before any route to no route (the document lists those once)', async () => {
    seen.length = 0;
    const res = await call(t.app, 'GET', '/api/identity-store/no-such-route', { key });
    expect(res.statusCode).toBe(404);
    expect(seen).toEqual([{ method: 'GET', route: undefined, code: 'ROUTE_NOT_FOUND' }]);
  });
});
