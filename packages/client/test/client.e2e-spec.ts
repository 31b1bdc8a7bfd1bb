import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityStore, IdentityStoreError, retryable } from '../src';
import { call, expectStatus, tenantWithAdmin } from '../../../test/support/api';
import { SoftAuthenticator } from '../../../test/support/soft-authenticator';
import { createTestApp, TestApp } from '../../../test/support/test-app';

const ROOT = join(__dirname, '..', '..', '..');
const ORIGIN = 'http://localhost:3000';

/**
 * The typed client against the real service (the same test cluster as every e2e suite): the
 * seed's step-up flow, the ceremonies, lookups, typed errors and what is retried.
 */
describe('@identity-store/client against the real service', () => {
  let t: TestApp;
  let base: string;
  let ids: IdentityStore;
  let tenant: string;
  let key: string;

  /** The browser's part of a transaction (what client.js does), with a software authenticator. */
  async function inBrowser(
    transactionId: string,
    device: SoftAuthenticator,
    kind: 'register' | 'authenticate',
  ): Promise<string> {
    const browser = (path: string, body: unknown = {}) =>
      call(t.app, 'POST', `/api/identity-store/browser/transactions/${transactionId}/${path}`, {
        body,
        headers: { origin: ORIGIN },
      });
    const started = await browser('start');
    expectStatus(started, 200);
    const options = started.json().clientRequest;
    const clientResponse =
      kind === 'register' ? device.register(options, ORIGIN) : device.authenticate(options, ORIGIN);
    const finished = await browser('finish', { clientResponse });
    expectStatus(finished, 200);
    return finished.json().nonce;
  }

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const world = await tenantWithAdmin(t.app, 'client');
    tenant = world.tenant;
    key = world.admin.key;
    const post = async (url: string, body: unknown) =>
      expectStatus(await call(t.app, 'POST', url, { key, body }), 201);
    await post('/api/identity-store/stores', { name: 'shop' });
    const rp = '/api/identity-store/stores/shop/passkeys/relyingParties';
    await post(rp, { rpId: 'localhost', name: 'Shop', origins: [ORIGIN] });
    await post(`${rp}/localhost/registrationPolicies`, {
      name: 'default',
      residentKey: 'required',
    });
    await post(`${rp}/localhost/authenticationPolicies`, { name: 'default' });
    ids = new IdentityStore({
      baseUrl: base,
      apiKey: key,
      tenantId: tenant,
      storeName: 'shop',
      rpId: 'localhost',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it("runs the seed's step-up flow: register transaction, nonce, authenticate transaction with data, nonce", async () => {
    const device = new SoftAuthenticator();
    const signup = await ids.createRegisterTransaction({
      externalId: 'cust-1001',
      passkeyDisplayName: 'Laptop',
    });
    expect(signup.transactionId).toEqual(expect.any(String));
    const registered = await ids.verifyNonce(
      await inBrowser(signup.transactionId, device, 'register'),
    );
    expect(registered).toMatchObject({
      externalId: 'cust-1001',
      kind: 'register',
      userVerified: true,
    });

    const payment = await ids.createAuthenticateTransaction({
      externalId: 'cust-1001',
      transactionData: { amount: '100.00', currency: 'EUR' },
    });
    const verified = await ids.verifyNonce(
      await inBrowser(payment.transactionId, device, 'authenticate'),
    );
    expect(verified).toMatchObject({
      externalId: 'cust-1001',
      kind: 'authenticate',
      transactionId: payment.transactionId,
      transactionData: { amount: '100.00', currency: 'EUR' },
      resultToken: expect.any(String),
    });

    // the lookups by external id
    const user = await ids.getUser('cust-1001');
    expect(user).toMatchObject({ externalId: 'cust-1001', id: registered.userId });
    const passkeys = await ids.listPasskeys('cust-1001');
    expect(passkeys.content.map((p) => p.id)).toEqual([registered.passkeyId]);
    expect(passkeys.totalElements).toBe(1);
  });

  it('drives both ceremonies from the backend: start, the authenticator, complete', async () => {
    const device = new SoftAuthenticator();
    const reg = await ids.startRegistration('cust-2002', { createUser: true, userName: 'jane' });
    const registered = await ids.completeRegistration(
      reg.sessionId,
      device.register(reg.clientRequest as never, ORIGIN),
    );
    expect(registered).toMatchObject({
      status: 'SUCCEEDED',
      externalId: 'cust-2002',
      createdUser: true,
    });
    expect(registered.resultToken).toEqual(expect.any(String));

    const auth = await ids.startAuthentication('cust-2002');
    const signedIn = await ids.completeAuthentication(
      auth.sessionId,
      device.authenticate(auth.clientRequest as never, ORIGIN),
    );
    expect(signedIn).toMatchObject({ status: 'SUCCEEDED', passkeyId: registered.passkeyId });

    const usernameless = await ids.startAuthentication();
    const anyone = await ids.completeAuthentication(
      usernameless.sessionId,
      device.authenticate(usernameless.clientRequest as never, ORIGIN),
    );
    expect(anyone).toMatchObject({ externalId: 'cust-2002' });
  });

  it('answers problems as typed IdentityStoreErrors with code, status, detail and requestId', async () => {
    const failure = await ids.getUser('nobody').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IdentityStoreError);
    expect(failure).toMatchObject({
      name: 'IdentityStoreError',
      code: 'USER_NOT_FOUND',
      status: 404,
      detail: expect.any(String),
      requestId: expect.any(String),
    });

    const invalid = (await ids
      .createAuthenticateTransaction({ externalId: 'cust-1001', transactionData: [] as never })
      .catch((error: unknown) => error)) as IdentityStoreError;
    expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(invalid.errors?.[0]).toMatchObject({ field: 'transactionData' });

    const wrongKey = new IdentityStore({
      baseUrl: base,
      apiKey: `${key.slice(0, -4)}AAAA`,
      storeName: 'shop',
      rpId: 'localhost',
    });
    await expect(wrongKey.getUser('cust-1001')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
    });
    await expect(ids.verifyNonce('A'.repeat(43))).rejects.toMatchObject({
      code: 'NONCE_NOT_FOUND',
      status: 404,
    });
    expect(() => new IdentityStore({ baseUrl: base, storeName: 's', rpId: 'r' })).toThrow(/apiKey/);
    const noTenant = new IdentityStore({
      baseUrl: base,
      apiKey: key,
      storeName: 'shop',
      rpId: 'localhost',
    });
    await expect(noTenant.startAuthentication('cust-2002')).rejects.toThrow(/set tenantId/);
  });

  describe('retries only where safe', () => {
    /** A fetch that answers the given statuses first, then reaches the service. */
    function scripted(answers: (Response | Error)[]) {
      const seen: string[] = [];
      const fetcher = (async (request: Request) => {
        seen.push(request.method);
        const next = answers.shift();
        if (next instanceof Error) throw next;
        if (next) return next;
        return fetch(request);
      }) as typeof fetch;
      const client = new IdentityStore({
        baseUrl: base,
        apiKey: key,
        tenantId: tenant,
        storeName: 'shop',
        rpId: 'localhost',
        fetch: fetcher,
      });
      return { client, seen };
    }
    const unavailable = (headers: Record<string, string> = {}) =>
      new Response(JSON.stringify({ code: 'DATABASE_UNAVAILABLE', detail: 'down', status: 503 }), {
        status: 503,
        headers: { 'content-type': 'application/problem+json', ...headers },
      });

    it('a read is retried after a 503 and a network error, then succeeds', async () => {
      const { client, seen } = scripted([
        unavailable({ 'retry-after': '0' }),
        new TypeError('reset'),
      ]);
      await expect(client.getUser('cust-1001')).resolves.toMatchObject({ externalId: 'cust-1001' });
      expect(seen).toEqual(['GET', 'GET', 'GET']);
    });

    it('a write is retried only on 429/503 with Retry-After; never after a network error', async () => {
      const limited = new Response(JSON.stringify({ code: 'RATE_LIMITED', status: 429 }), {
        status: 429,
        headers: { 'retry-after': '0', 'content-type': 'application/problem+json' },
      });
      const retried = scripted([limited]);
      await expect(
        retried.client.createAuthenticateTransaction({ externalId: 'cust-1001' }),
      ).resolves.toMatchObject({ transactionId: expect.any(String) });
      expect(retried.seen).toEqual(['POST', 'POST']);

      const bare = scripted([unavailable()]);
      await expect(
        bare.client.createAuthenticateTransaction({ externalId: 'cust-1001' }),
      ).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
      expect(bare.seen).toEqual(['POST']);

      const dropped = scripted([new TypeError('socket hang up')]);
      await expect(
        dropped.client.createAuthenticateTransaction({ externalId: 'cust-1001' }),
      ).rejects.toThrow('socket hang up');
      expect(dropped.seen).toEqual(['POST']);

      const tooLong = scripted([unavailable({ 'retry-after': '3600' })]);
      await expect(tooLong.client.getUser('cust-1001')).rejects.toMatchObject({ status: 503 });
      expect(tooLong.seen).toEqual(['GET']);
    });

    it('retryable() in short', () => {
      const answer = (status: number, headers: Record<string, string> = {}) =>
        new Response(null, { status, headers });
      expect(retryable('GET', undefined)).toBe(true);
      expect(retryable('POST', undefined)).toBe(false);
      expect(retryable('GET', answer(500))).toBe(false);
      expect(retryable('POST', answer(503))).toBe(false);
      expect(retryable('POST', answer(503, { 'retry-after': '1' }))).toBe(true);
      expect(retryable('DELETE', answer(429, { 'retry-after': '1' }))).toBe(true);
    });
  });

  it('its generated types are those of the committed OpenAPI document (regenerated here, compared)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ids-client-')), 'api.ts');
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
        join(ROOT, 'openapi', 'openapi.json'),
        '--default-non-nullable',
        'false',
        '--output',
        out,
      ],
      { stdio: 'pipe' },
    );
    const committed = readFileSync(join(ROOT, 'packages', 'client', 'src', 'api.ts'), 'utf8');
    // `npm run client:generate` rewrites packages/client/src/api.ts when this fails
    expect(readFileSync(out, 'utf8') === committed).toBe(true);
  });
});
