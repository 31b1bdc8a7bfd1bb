import { connect } from 'node:net';
import { Client } from 'pg';
import { call, createKey, expectStatus } from '../support/api';
import { registerPasskey } from '../support/ceremonies';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';
import { startInsideRateWindow } from '../support/rate-window';

const BROWSER = '/api/identity-store/browser';

describe('step-up transactions and nonces', () => {
  let t: TestApp;
  let w: World;
  let db: Client;
  const tx = (kind: 'register' | 'authenticate') => `${w.rpUrl}/transactions/${kind}`;
  const verify = (nonce: string, key = w.key, store = w.storeUrl) =>
    call(t.app, 'POST', `${store}/passkeys/nonces/verify`, { key, body: { nonce } });
  const browser = (path: string, body?: unknown, origin = ORIGIN) =>
    call(t.app, 'POST', `${BROWSER}/${path}`, { body: body ?? {}, headers: { origin } });

  /** The browser side of a transaction with the software authenticator; returns the nonce. */
  async function runInBrowser(
    transactionId: string,
    device: SoftAuthenticator,
    kind: 'register' | 'authenticate',
  ): Promise<string> {
    const started = await browser(`transactions/${transactionId}/start`);
    expectStatus(started, 200);
    const options = started.json().clientRequest;
    const clientResponse =
      kind === 'register' ? device.register(options, ORIGIN) : device.authenticate(options, ORIGIN);
    const finished = await browser(`transactions/${transactionId}/finish`, { clientResponse });
    expectStatus(finished, 200);
    return finished.json().nonce;
  }

  async function mint(
    kind: 'register' | 'authenticate',
    body: Record<string, unknown>,
  ): Promise<string> {
    const res = await call(t.app, 'POST', tx(kind), { key: w.key, body });
    expectStatus(res, 201);
    return res.json().transactionId;
  }

  /**
   * The world's store is renamed `shop-old`, and a new store takes the name `shop` with the same
   * relying party and default authentication policy.
   */
  async function renameAndTakeName(world: World): Promise<void> {
    expectStatus(
      await call(t.app, 'POST', world.storeUrl, { key: world.key, body: { name: 'shop-old' } }),
      200,
    );
    await world.post('/api/identity-store/stores', { name: 'shop' });
    await world.post(`${world.storeUrl}/passkeys/relyingParties`, {
      rpId: 'localhost',
      name: 'Other shop',
      origins: [ORIGIN],
    });
    await world.post(`${world.rpUrl}/authenticationPolicies`, { name: 'default' });
  }

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    w = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('register transaction → browser ceremony → nonce → the backend learns who registered which passkey', async () => {
    const device = new SoftAuthenticator();
    const transactionId = await mint('register', {
      externalId: 'new-customer',
      passkeyDisplayName: 'Phone',
    });
    expect(Buffer.from(transactionId, 'base64url')).toHaveLength(32);
    const nonce = await runInBrowser(transactionId, device, 'register');
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(32);

    const verified = await verify(nonce);
    expectStatus(verified, 200);
    expect(verified.json()).toMatchObject({
      externalId: 'new-customer',
      kind: 'register',
      userVerified: true,
      transactionId,
    });
    const passkeys = (
      await call(t.app, 'GET', `${w.storeUrl}/users/new-customer/passkeys/ext`, { key: w.key })
    ).json().content;
    expect(passkeys).toEqual([
      expect.objectContaining({ id: verified.json().passkeyId, displayName: 'Phone' }),
    ]);
  });

  it('authenticate transaction (step-up) → nonce → verified user, passkey and UV', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    const reg = await registerPasskey(t.app, w, device, user.id);
    const transactionId = await mint('authenticate', { externalId: user.externalId });
    const nonce = await runInBrowser(transactionId, device, 'authenticate');
    const verified = (await verify(nonce)).json();
    expect(verified).toMatchObject({
      externalId: user.externalId,
      userId: user.id,
      passkeyId: reg.passkeyId,
      kind: 'authenticate',
      userVerified: true,
      backedUp: false,
      transactionId,
    });
    expect(Date.parse(verified.verifiedAt)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('username-less in the browser, without a transaction, also ends in a nonce', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const started = await browser(
      `${w.tenant}/stores/shop/relyingParties/localhost/authentications/default`,
    );
    expectStatus(started, 200);
    const { transactionId, clientRequest } = started.json();
    const finished = await browser(`transactions/${transactionId}/finish`, {
      clientResponse: device.authenticate(clientRequest, ORIGIN),
    });
    const verified = (await verify(finished.json().nonce)).json();
    expect(verified).toMatchObject({ userId: user.id, kind: 'authenticate' });
  });

  it("a transaction's ceremony starts only in the store it was minted for, not in one that took its name", async () => {
    const w2 = await passkeyWorld(t.app);
    const started = await browser(
      `${w2.tenant}/stores/shop/relyingParties/localhost/authentications/default`,
    );
    expectStatus(started, 200);
    const { transactionId } = started.json();
    // the store is renamed and another takes its name, with the same relying party and policy
    await renameAndTakeName(w2);
    // a restart would have made its session in the other store (found by review)
    expectProblem(
      await browser(`transactions/${transactionId}/start`),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    const sessions = await db.query(
      `SELECT count(*)::int AS n FROM ceremony_sessions cs JOIN stores s ON s.id = cs.store_id
        WHERE s.tenant_id = $1 AND s.name = 'shop'`,
      [w2.tenant],
    );
    expect(sessions.rows[0].n).toBe(0);
  });

  it('a transaction is refused while the key that minted it is blocked, expired or deleted, as its tokens are', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const minter = await createKey(t.app, w.tenant, [
      `TNT#${w.tenant}#IdentityStore:createAuthenticateTransaction`,
    ]);
    const mintWith = async () => {
      const res = await call(t.app, 'POST', tx('authenticate'), {
        key: minter.key,
        body: { externalId: user.externalId },
      });
      expectStatus(res, 201);
      return res.json().transactionId as string;
    };
    const started = await mintWith();
    const unstarted = await mintWith();
    const ceremony = await browser(`transactions/${started}/start`);
    expectStatus(ceremony, 200);
    expectStatus(
      await call(t.app, 'POST', `/api/identity-store/apiKeys/${minter.id}`, {
        key: w.key,
        body: { status: 'BLOCKED' },
      }),
      200,
    );
    // neither a start nor the finish of one already started (it went on working: review)
    const refused = expectProblem(
      await browser(`transactions/${unstarted}/start`),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    expect(refused.detail).toContain('no longer active');
    expectProblem(
      await browser(`transactions/${started}/finish`, {
        clientResponse: device.authenticate(ceremony.json().clientRequest, ORIGIN),
      }),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    // unblocked, the key stands behind its transactions again (as behind its tokens)
    expectStatus(
      await call(t.app, 'POST', `/api/identity-store/apiKeys/${minter.id}`, {
        key: w.key,
        body: { status: 'ACTIVE' },
      }),
      200,
    );
    expectStatus(await browser(`transactions/${unstarted}/start`), 200);
    // expired: refused
    await db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      minter.id,
    ]);
    expectProblem(await browser(`transactions/${unstarted}/start`), 404, 'TRANSACTION_NOT_FOUND');
    // deleted, the same; a transaction of a key that stays active still runs
    const other = await createKey(t.app, w.tenant, [
      `TNT#${w.tenant}#IdentityStore:createAuthenticateTransaction`,
    ]);
    const res = await call(t.app, 'POST', tx('authenticate'), {
      key: other.key,
      body: { externalId: user.externalId },
    });
    const kept = res.json().transactionId as string;
    expectStatus(await browser(`transactions/${kept}/start`), 200);
    expectStatus(
      await call(t.app, 'DELETE', `/api/identity-store/apiKeys/${other.id}`, { key: w.key }),
      204,
    );
    expectProblem(await browser(`transactions/${kept}/start`), 404, 'TRANSACTION_NOT_FOUND');
  });

  it("a user's transaction whose store took another name is gone: one answer, naming no internal id", async () => {
    const w3 = await passkeyWorld(t.app);
    const user = await w3.newUser();
    await registerPasskey(t.app, w3, new SoftAuthenticator(), user.id);
    const minted = await call(t.app, 'POST', `${w3.rpUrl}/transactions/authenticate`, {
      key: w3.key,
      body: { externalId: user.externalId },
    });
    expectStatus(minted, 201);
    await renameAndTakeName(w3);
    // was 404 USER_NOT_FOUND "No user with id <uuid>" on a keyless route (review)
    const gone = expectProblem(
      await browser(`transactions/${minted.json().transactionId}/start`),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    expect(JSON.stringify(gone)).not.toContain(user.id);
  });

  it('nonce replay → NONCE_ALREADY_USED', async () => {
    const nonce = await runInBrowser(
      await mint('register', { externalId: 'replay', passkeyDisplayName: 'x' }),
      new SoftAuthenticator(),
      'register',
    );
    expectStatus(await verify(nonce), 200);
    expectProblem(await verify(nonce), 409, 'NONCE_ALREADY_USED');
  });

  it('concurrent redemptions of one nonce → exactly one succeeds', async () => {
    const nonce = await runInBrowser(
      await mint('register', { externalId: 'race', passkeyDisplayName: 'x' }),
      new SoftAuthenticator(),
      'register',
    );
    const results = await Promise.all(Array.from({ length: 10 }, () => verify(nonce)));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
  });

  it('expired nonce → NONCE_EXPIRED', async () => {
    const nonce = await runInBrowser(
      await mint('register', { externalId: 'late', passkeyDisplayName: 'x' }),
      new SoftAuthenticator(),
      'register',
    );
    await db.query("UPDATE nonces SET expires_at = now() - interval '1 second'");
    expectProblem(await verify(nonce), 410, 'NONCE_EXPIRED');
  });

  it('expired transaction → TRANSACTION_EXPIRED', async () => {
    const transactionId = await mint('register', { externalId: 'slow', passkeyDisplayName: 'x' });
    await db.query(
      "UPDATE step_up_transactions SET expires_at = now() - interval '1 second' WHERE id = $1",
      [transactionId],
    );
    expectProblem(await browser(`transactions/${transactionId}/start`), 410, 'TRANSACTION_EXPIRED');
  });

  it('a nonce of another store or tenant → NONCE_NOT_FOUND', async () => {
    const nonce = await runInBrowser(
      await mint('register', { externalId: 'mine', passkeyDisplayName: 'x' }),
      new SoftAuthenticator(),
      'register',
    );
    await w.post('/api/identity-store/stores', { name: 'other-store' });
    expectProblem(
      await verify(nonce, w.key, '/api/identity-store/stores/other-store'),
      404,
      'NONCE_NOT_FOUND',
    );
    const other = await passkeyWorld(t.app); // another tenant, also with a store "shop"
    expectProblem(await verify(nonce, other.key, other.storeUrl), 404, 'NONCE_NOT_FOUND');
    expectStatus(await verify(nonce), 200); // still redeemable where it belongs
  });

  it('a transaction finished twice → TRANSACTION_ALREADY_COMPLETED', async () => {
    const device = new SoftAuthenticator();
    const transactionId = await mint('register', { externalId: 'twice', passkeyDisplayName: 'x' });
    const started = await browser(`transactions/${transactionId}/start`);
    const clientResponse = device.register(started.json().clientRequest, ORIGIN);
    expectStatus(await browser(`transactions/${transactionId}/finish`, { clientResponse }), 200);
    expectProblem(
      await browser(`transactions/${transactionId}/finish`, { clientResponse }),
      409,
      'TRANSACTION_ALREADY_COMPLETED',
    );
    expectProblem(
      await browser(`transactions/${transactionId}/start`),
      409,
      'TRANSACTION_ALREADY_COMPLETED',
    );
  });

  it('a nonce is redeemed only while what it proves holds: not after its passkey was revoked or its user locked, deleted', async () => {
    const cases: [
      string,
      (userId: string, passkeyId: string) => Promise<unknown>,
      number,
      string,
    ][] = [
      [
        'revoked',
        (userId, passkeyId) =>
          call(t.app, 'POST', `${w.storeUrl}/users/${userId}/passkeys/${passkeyId}`, {
            key: w.key,
            body: { status: 'REVOKED' },
          }),
        400,
        'PASSKEY_NOT_ACTIVE',
      ],
      [
        'locked',
        (userId) =>
          call(t.app, 'POST', `${w.storeUrl}/users/${userId}`, {
            key: w.key,
            body: { status: 'LOCKED' },
          }),
        403,
        'USER_LOCKED',
      ],
      [
        'deleted',
        (userId) => call(t.app, 'DELETE', `${w.storeUrl}/users/${userId}`, { key: w.key }),
        404,
        'USER_NOT_FOUND',
      ],
    ];
    for (const [, change, status, code] of cases) {
      const user = await w.newUser();
      const device = new SoftAuthenticator();
      const reg = await registerPasskey(t.app, w, device, user.id);
      const nonce = await runInBrowser(
        await mint('authenticate', { externalId: user.externalId }),
        device,
        'authenticate',
      );
      await change(user.id, reg.passkeyId);
      expectProblem(await verify(nonce), status, code);
      // nothing was redeemed: the nonce is refused alike, not "already used"
      expectProblem(await verify(nonce), status, code);
    }
  });

  it('a failed finish uses the transaction up', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    await registerPasskey(t.app, w, device, user.id);
    const transactionId = await mint('authenticate', { externalId: user.externalId });
    const started = await browser(`transactions/${transactionId}/start`);
    const forged = device.authenticate(started.json().clientRequest, ORIGIN, {
      tamperSignature: true,
    });
    expectProblem(
      await browser(`transactions/${transactionId}/finish`, { clientResponse: forged }),
      400,
      'SIGNATURE_INVALID',
    );
    const honest = device.authenticate(started.json().clientRequest, ORIGIN);
    expectProblem(
      await browser(`transactions/${transactionId}/finish`, { clientResponse: honest }),
      409,
      'TRANSACTION_ALREADY_COMPLETED',
    );
  });

  it('an unknown transaction → TRANSACTION_NOT_FOUND; a malformed finish body → VALIDATION_FAILED', async () => {
    expectProblem(
      await browser(`transactions/${'A'.repeat(43)}/start`),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    const transactionId = await mint('register', { externalId: 'shape', passkeyDisplayName: 'x' });
    await browser(`transactions/${transactionId}/start`);
    const res = await browser(`transactions/${transactionId}/finish`, {
      clientResponse: { id: 'x' },
    });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.errors!.map((e) => e.field)).toContain('clientResponse.rawId');
  });

  it('an authenticate transaction needs an existing user; policies resolve with their own 404s', async () => {
    expectProblem(
      await call(t.app, 'POST', tx('authenticate'), { key: w.key, body: { externalId: 'nobody' } }),
      404,
      'USER_NOT_FOUND',
    );
    expectProblem(
      await call(t.app, 'POST', tx('register'), {
        key: w.key,
        body: { externalId: 'x', passkeyDisplayName: 'x', registrationPolicy: 'nope' },
      }),
      404,
      'REGISTRATION_POLICY_NOT_FOUND',
    );
  });

  it("a suspended tenant's transactions and username-less starts stop at once", async () => {
    const other = await passkeyWorld(t.app);
    const res = await call(t.app, 'POST', `${other.rpUrl}/transactions/register`, {
      key: other.key,
      body: { externalId: 'suspended', passkeyDisplayName: 'x' },
    });
    const transactionId = res.json().transactionId;
    await call(t.app, 'POST', `/api/identity-store/tenants/${other.tenant}`, {
      key: PLATFORM_KEY,
      body: { status: 'SUSPENDED' },
    });
    expectProblem(await browser(`transactions/${transactionId}/start`), 403, 'TENANT_SUSPENDED');
    // keyless: a suspended tenant and a missing one answer alike
    expectProblem(
      await browser(`${other.tenant}/stores/shop/relyingParties/localhost/authentications/default`),
      404,
      'RELYING_PARTY_NOT_FOUND',
    );
    expectProblem(
      await browser(`no-such-tenant/stores/shop/relyingParties/localhost/authentications/default`),
      404,
      'RELYING_PARTY_NOT_FOUND',
    );
  });

  it('stores only the hash of a nonce', async () => {
    const nonce = await runInBrowser(
      await mint('register', { externalId: 'hashed', passkeyDisplayName: 'x' }),
      new SoftAuthenticator(),
      'register',
    );
    const { rows } = await db.query('SELECT * FROM nonces');
    const dump = JSON.stringify(rows) + rows.map((r) => r.hash.toString('base64url')).join();
    expect(dump).not.toContain(nonce);
  });

  describe('CORS', () => {
    it('a preflight from the relying party origin is answered; from a foreign origin, no CORS headers', async () => {
      const transactionId = await mint('register', { externalId: 'cors', passkeyDisplayName: 'x' });
      const preflight = (origin: string) =>
        t.app.inject({
          method: 'OPTIONS',
          url: `${BROWSER}/transactions/${transactionId}/start`,
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      const ok = await preflight(ORIGIN);
      expect(ok.statusCode).toBe(204);
      expect(ok.headers).toMatchObject({
        'access-control-allow-origin': ORIGIN,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
      });
      const foreign = await preflight('https://evil.example');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      expect(foreign.headers['access-control-allow-methods']).toBeUndefined();
      const post = await browser(`transactions/${transactionId}/start`, {}, 'https://evil.example');
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
      expect(
        (await browser(`transactions/${transactionId}/start`)).headers[
          'access-control-allow-origin'
        ],
      ).toBe(ORIGIN);
    });

    it('the management API sends no CORS headers by default', async () => {
      const res = await call(t.app, 'GET', '/api/identity-store/limits', {
        key: w.key,
        headers: { origin: ORIGIN },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('the browser client module is served as JavaScript, usable cross-origin', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${BROWSER}/client.js` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toContain('export async function register(transactionId');
    expect(res.body).toContain('export async function authenticate(');
  });
});

describe('browser routes rate limit', () => {
  it('answers 429 with Retry-After and RateLimit headers past the per-IP limit, across instances', async () => {
    const a = await createTestApp({
      config: { browserRateLimit: 3, browserRateLimitWindowSeconds: 60 },
    });
    const b = await createTestApp({
      config: { browserRateLimit: 3, browserRateLimitWindowSeconds: 60 },
      database: a.database,
    });
    try {
      const hit = (app: TestApp) =>
        app.app.inject({
          method: 'POST',
          url: `${BROWSER}/transactions/${'B'.repeat(43)}/start`,
          payload: {},
        });
      // four hits across the window's end would be counted in two windows (a CI run met one)
      await startInsideRateWindow();
      const statuses = [await hit(a), await hit(b), await hit(a)].map((r) => r.statusCode);
      expect(statuses).toEqual([404, 404, 404]);
      const limited = await hit(b);
      expectProblem(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    } finally {
      await b.app.close();
      await a.close();
    }
  });
});

/** The status of one request written as raw bytes (a request target inject cannot send). */
function rawStatus(port: number, requestLine: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        `${requestLine}\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
          'Content-Length: 2\r\nConnection: close\r\n\r\n{}',
      ),
    );
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(Buffer.concat(chunks).toString().split(' ')[1])));
  });
}

describe('browser routes rate limit, whatever the spelling of the request target', () => {
  it('an absolute request target or a # in it reaches the route and is counted like any other', async () => {
    const t = await createTestApp({
      config: { browserRateLimit: 3, browserRateLimitWindowSeconds: 60 },
    });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (t.app.getHttpServer().address() as { port: number }).port;
      const start = `${BROWSER}/transactions/${'B'.repeat(43)}/start`;
      const passage = '/passage/v1/apps/nope/register/transactions/webauthn/start';
      const spellings = [
        `POST http://localhost${start} HTTP/1.1`,
        `POST ${start}#%zz HTTP/1.1`,
        `POST http://localhost${passage}#%zz HTTP/1.1`,
      ];
      await startInsideRateWindow();
      // within the limit each spelling reaches its route (404: no such transaction; 400: the
      // Passage start's body lacks its fields)...
      expect(await Promise.all(spellings.map((line) => rawStatus(port, line)))).toEqual([
        404, 404, 400,
      ]);
      // ...and was counted: the limit of 3 is spent, whatever the spelling
      for (const line of [...spellings, `POST ${start} HTTP/1.1`])
        expect(await rawStatus(port, line)).toBe(429);
    } finally {
      await t.close();
    }
  });
});

describe('browser routes rate limit, per IPv6 /64', () => {
  it('addresses of one /64 share one budget; another /64 has its own', async () => {
    const t = await createTestApp({
      config: { browserRateLimit: 3, browserRateLimitWindowSeconds: 60, trustProxy: 1 },
    });
    try {
      const hit = (ip: string) =>
        t.app.inject({
          method: 'POST',
          url: `${BROWSER}/transactions/${'B'.repeat(43)}/start`,
          headers: { 'x-forwarded-for': ip },
          payload: {},
        });
      await startInsideRateWindow();
      const statuses = [];
      for (let i = 1; i <= 4; i++) statuses.push((await hit(`2001:db8:7:7::${i}`)).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429]);
      expect((await hit('2001:db8:7:8::1')).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe('purge job', () => {
  it('deletes expired rows past the grace period; several instances at once are safe', async () => {
    const a = await createTestApp({ config: { purgeGraceSeconds: 0, purgeIntervalSeconds: 0 } });
    const b = await createTestApp({
      config: { purgeGraceSeconds: 0, purgeIntervalSeconds: 0 },
      database: a.database,
    });
    const db = new Client({ connectionString: a.database.url });
    await db.connect();
    try {
      const w = await passkeyWorld(a.app);
      const user = await w.newUser();
      const device = new SoftAuthenticator();
      await registerPasskey(a.app, w, device, user.id);
      const live = await call(a.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: user.externalId },
      });
      await call(a.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: user.externalId },
      });
      await db.query(
        "UPDATE step_up_transactions SET expires_at = now() - interval '1 minute' WHERE id <> $1",
        [live.json().transactionId],
      );
      await db.query("UPDATE ceremony_sessions SET expires_at = now() - interval '1 minute'");
      await db.query(
        "UPDATE audit_events SET occurred_at = now() - interval '400 days' WHERE type = 'TENANT_CREATED'",
      );

      const { PurgeService } = await import('../../src/step-up/purge.service');
      const results = await Promise.all([
        a.app.get(PurgeService).purge(),
        b.app.get(PurgeService).purge(),
      ]);
      const total = (table: string) => results.reduce((n, r) => n + (r.deleted[table] ?? 0), 0);
      expect(results.some((r) => r.ran)).toBe(true);
      expect(total('step_up_transactions')).toBe(1);
      expect(total('ceremony_sessions')).toBeGreaterThanOrEqual(1);
      expect(total('audit_events')).toBe(1); // past the 365-day retention
      const { rows } = await db.query('SELECT id FROM step_up_transactions');
      expect(rows.map((r) => r.id)).toEqual([live.json().transactionId]);
    } finally {
      await db.end();
      await b.app.close();
      await a.close();
    }
  });
});

describe('IDS_CORS_ORIGINS (an admin console) opens the management API only', () => {
  let t: TestApp;
  let w: World;
  const ADMIN = 'https://admin.example';
  beforeAll(async () => {
    t = await createTestApp({ config: { corsOrigins: [ADMIN], browserRateLimit: 1000 } });
    w = await passkeyWorld(t.app);
  });
  afterAll(() => t.close());

  const preflight = (url: string, origin: string) =>
    t.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it("the browser routes keep answering their relying party's origins, and not the operator's", async () => {
    const minted = await call(t.app, 'POST', `${w.rpUrl}/transactions/register`, {
      key: w.key,
      body: { externalId: 'cors-admin', passkeyDisplayName: 'x' },
    });
    const url = `${BROWSER}/transactions/${minted.json().transactionId}/start`;
    // @fastify/cors answered this preflight itself, refusing the relying party (found by review)
    const relyingParty = await preflight(url, ORIGIN);
    expect(relyingParty.statusCode).toBe(204);
    expect(relyingParty.headers).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'POST',
    });
    expect(relyingParty.headers['ratelimit-remaining']).toBeDefined(); // counted, as documented
    const admin = await preflight(url, ADMIN);
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
    const post = await call(t.app, 'POST', url, { body: {}, headers: { origin: ADMIN } });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the management API answers the operator origins', async () => {
    const ok = await preflight('/api/identity-store/stores', ADMIN);
    expect(ok.headers['access-control-allow-origin']).toBe(ADMIN);
    const read = await call(t.app, 'GET', '/api/identity-store/limits', {
      key: w.key,
      headers: { origin: ADMIN },
    });
    expect(read.headers['access-control-allow-origin']).toBe(ADMIN);
    const foreign = await preflight('/api/identity-store/stores', 'https://evil.example');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
