import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { Client } from 'pg';
import { TransactionHost } from '../../src/database/transaction-host';
import { TenantKeysService } from '../../src/signing/tenant-keys.service';
import { call, expectStatus } from '../support/api';
import {
  authenticate,
  completeAuthentication,
  discoverableStartUrl,
  registerPasskey,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { keyPair } from '../support/key-pairs';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

const BROWSER = '/api/identity-store/browser';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

describe('results an integrator can verify: tenant keys, result tokens, transaction data', () => {
  let t: TestApp;
  let a: World;
  let b: World;
  let db: Client;

  const jwksUrl = (tenant: string) => `/api/identity-store/${tenant}/.well-known/jwks.json`;
  const jwksOf = async (tenant: string) => {
    const res = await call(t.app, 'GET', jwksUrl(tenant));
    expectStatus(res, 200);
    return res.json() as JSONWebKeySet;
  };
  /** What an integrator does with jose: verify against the tenant's published JWKS. */
  const verifyToken = async (token: string, tenant: string, store = 'shop') =>
    jwtVerify(token, createLocalJWKSet(await jwksOf(tenant)), {
      issuer: t.config.publicUrl,
      audience: `${tenant}/${store}`,
      algorithms: ['ES256'],
      typ: 'ids-result+jwt',
    });
  const browser = (path: string, body: unknown = {}) =>
    call(t.app, 'POST', `${BROWSER}/${path}`, { body, headers: { origin: ORIGIN } });
  const mint = async (w: World, kind: 'register' | 'authenticate', body: unknown) => {
    const res = await call(t.app, 'POST', `${w.rpUrl}/transactions/${kind}`, { key: w.key, body });
    return res;
  };
  const verifyNonce = (w: World, nonce: string) =>
    call(t.app, 'POST', `${w.storeUrl}/passkeys/nonces/verify`, { key: w.key, body: { nonce } });

  /** A tenant of its own, a result token its first key signed, and its key rotation. */
  const signedOnce = async () => {
    const w = await passkeyWorld(t.app);
    const token = (await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id))
      .resultToken as string;
    const rotate = (body: unknown) =>
      call(t.app, 'POST', '/api/identity-store/signingKeys/rotate', { key: w.key, body });
    return { w, token, rotate };
  };

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    a = await passkeyWorld(t.app);
    b = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  describe('result tokens of the API completions', () => {
    it('a registration and an authentication answer a resultToken that verifies with jose against the tenant JWKS, stating what was proven', async () => {
      const device = new SoftAuthenticator();
      const user = await a.newUser();
      const registered = await registerPasskey(t.app, a, device, user.id);
      const reg = await verifyToken(registered.resultToken as string, a.tenant);
      expect(reg.payload).toMatchObject({
        iss: t.config.publicUrl,
        aud: `${a.tenant}/shop`,
        sub: user.id,
        tenant_id: a.tenant,
        store: 'shop',
        rp_id: 'localhost',
        kind: 'registration',
        external_id: user.externalId,
        passkey_id: registered.passkeyId,
        uv: true,
        be: registered.backupEligible,
        bs: registered.backedUp,
        aaguid: registered.aaguid,
        attestation: { format: 'none', verified: false, trusted: false },
      });
      expect(reg.payload.exp! - reg.payload.iat!).toBe(t.config.resultTokenTtlSeconds);
      expect(reg.payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(reg.payload).not.toHaveProperty('txn');

      const res = await authenticate(t.app, a, device, user.id);
      expectStatus(res, 200);
      const auth = await verifyToken(res.json().resultToken, a.tenant);
      expect(auth.payload).toMatchObject({
        sub: user.id,
        kind: 'authentication',
        passkey_id: registered.passkeyId,
        uv: true,
        aaguid: registered.aaguid,
      });
      expect(auth.payload.jti).not.toBe(reg.payload.jti);
      // the session's stored outcome does not carry the token (it is the completion's answer)
      const session = await call(
        t.app,
        'GET',
        `${a.storeUrl}/passkeys/authentications/sessions/${res.json().sessionId}`,
        { key: a.key },
      );
      expect(JSON.stringify(session.json())).not.toContain('resultToken');
    });

    it('a username-less completion answers a resultToken too', async () => {
      const device = new SoftAuthenticator();
      const user = await a.newUser();
      await registerPasskey(t.app, a, device, user.id);
      const started = await start(t.app, a.key, discoverableStartUrl(a, 'default'));
      const res = await completeAuthentication(
        t.app,
        a,
        started.sessionId,
        device.authenticate(started.clientRequest as never, ORIGIN),
      );
      expectStatus(res, 200);
      const { payload } = await verifyToken(res.json().resultToken, a.tenant);
      expect(payload).toMatchObject({ sub: user.id, kind: 'authentication' });
    });

    it("a token of tenant A does not verify against tenant B's JWKS", async () => {
      const device = new SoftAuthenticator();
      const user = await a.newUser();
      const { resultToken } = await registerPasskey(t.app, a, device, user.id);
      await registerPasskey(t.app, b, new SoftAuthenticator(), (await b.newUser()).id);
      expect((await jwksOf(b.tenant)).keys).toHaveLength(1);
      await expect(
        jwtVerify(resultToken as string, createLocalJWKSet(await jwksOf(b.tenant)), {
          algorithms: ['ES256'],
        }),
      ).rejects.toThrow(/no applicable key|signature verification failed/);
      await expect(verifyToken(resultToken as string, a.tenant)).resolves.toBeDefined();
    });
  });

  describe('the JWKS and rotation', () => {
    it('the JWKS is public, cacheable for less than any overlap, and holds public keys only', async () => {
      const res = await call(t.app, 'GET', jwksUrl(a.tenant));
      expectStatus(res, 200);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      for (const key of res.json().keys) {
        expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      }
      expectProblem(await call(t.app, 'GET', jwksUrl('no-such-tenant')), 404, 'TENANT_NOT_FOUND');
      expectProblem(await call(t.app, 'GET', jwksUrl('Not_A_Tenant')), 400, 'VALIDATION_FAILED');
    });

    it("a tenant's first signing key, made inside a transaction that rolls back (a step-up completion that fails after signing), is committed and published: what it signed verifies", async () => {
      const w = await passkeyWorld(t.app);
      const host = t.app.get(TransactionHost);
      const keys = t.app.get(TenantKeysService);
      let kid: string | undefined;
      await expect(
        host.run(async () => {
          kid = (await keys.signingKey(w.tenant)).kid;
          throw new Error('the completion failed after signing');
        }),
      ).rejects.toThrow('after signing');
      expect((await jwksOf(w.tenant)).keys.map((k: { kid?: string }) => k.kid)).toContain(kid);
    });

    it('a rotated-out key still verifies until its overlap ends, then not', async () => {
      const w = await passkeyWorld(t.app);
      const device = new SoftAuthenticator();
      const user = await w.newUser();
      const before = (await registerPasskey(t.app, w, device, user.id)).resultToken as string;
      const oldKid = decodeProtectedHeader(before).kid;

      const rotated = await call(t.app, 'POST', '/api/identity-store/signingKeys/rotate', {
        key: w.key,
        body: {},
      });
      expectStatus(rotated, 200);
      expect(rotated.json()).toMatchObject({ retiredKid: oldKid, kid: expect.any(String) });
      const overlapEnds = Date.parse(rotated.json().retiredKeyExpiresAt);
      expect(overlapEnds - Date.now()).toBeGreaterThan(
        t.config.signingKeyOverlapSeconds * 1000 - 60_000,
      );

      // the new key signs at once; the old one is still published: both tokens verify
      const after = await authenticate(t.app, w, device, user.id);
      expect(decodeProtectedHeader(after.json().resultToken).kid).toBe(rotated.json().kid);
      await expect(verifyToken(after.json().resultToken, w.tenant)).resolves.toBeDefined();
      await expect(verifyToken(before, w.tenant)).resolves.toBeDefined();
      const listed = await call(t.app, 'GET', '/api/identity-store/signingKeys', { key: w.key });
      expect(listed.json().items).toEqual([
        expect.objectContaining({ kid: rotated.json().kid, status: 'CURRENT', expiresAt: null }),
        expect.objectContaining({ kid: oldKid, status: 'RETIRED' }),
      ]);
      expect(JSON.stringify(listed.json())).not.toMatch(/"d"|sealed|private/i);

      // the overlap ends (time passes): the old key leaves the JWKS and its tokens stop verifying
      await db.query(
        `UPDATE tenant_signing_keys SET expires_at = now() - interval '1 second'
          WHERE tenant_id = $1 AND kid = $2`,
        [w.tenant, oldKid],
      );
      expect((await jwksOf(w.tenant)).keys.map((k) => k.kid)).toEqual([rotated.json().kid]);
      await expect(verifyToken(before, w.tenant)).rejects.toThrow(/no applicable key/);
      await expect(verifyToken(after.json().resultToken, w.tenant)).resolves.toBeDefined();
    });

    it('overlapSeconds 0 withdraws a compromised key at once; a short overlap is refused', async () => {
      const { w, token, rotate } = await signedOnce();
      const tooShort = expectProblem(
        await rotate({ overlapSeconds: 60 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(tooShort.errors?.[0]).toMatchObject({ field: 'overlapSeconds' });
      expectProblem(await rotate({ overlapSeconds: -1 }), 400, 'VALIDATION_FAILED');
      expectStatus(await rotate({ overlapSeconds: 0 }), 200);
      await expect(verifyToken(token, w.tenant)).rejects.toThrow(/no applicable key/);
    });

    it('a withdrawal also withdraws the keys retired before it, still in their overlap (a leak takes them all)', async () => {
      const { w, token, rotate } = await signedOnce();
      expectStatus(await rotate({}), 200); // the first key retired, published for 7 days
      await verifyToken(token, w.tenant);
      const withdrawn = await rotate({ overlapSeconds: 0 });
      expectStatus(withdrawn, 200);
      // it stayed published for its 7 days (found by review)
      await expect(verifyToken(token, w.tenant)).rejects.toThrow(/no applicable key/);
      expect((await jwksOf(w.tenant)).keys.map((k) => k.kid)).toEqual([withdrawn.json().kid]);
    });

    it('the JWKS publishes only keys whose sealed private half opens: a row a database writer adds is not', async () => {
      const w = await passkeyWorld(t.app);
      await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
      const { publicJwk } = keyPair({ type: 'ec' });
      const jwk = { ...publicJwk, kid: 'evil', alg: 'ES256', use: 'sig' };
      // a retired row with the attacker's public key and no valid seal (no KEK)
      await db.query(
        `INSERT INTO tenant_signing_keys (tenant_id, kid, algorithm, private_key_sealed, public_jwk,
                                          retired_at, expires_at)
         VALUES ($1, 'evil', 'ES256', 'x', $2, now(), now() + interval '1 year')`,
        [w.tenant, JSON.stringify(jwk)],
      );
      try {
        const kids = (await jwksOf(w.tenant)).keys.map((k) => k.kid);
        expect(kids).not.toContain('evil');
        expect(kids).toHaveLength(1);
      } finally {
        await db.query(`DELETE FROM tenant_signing_keys WHERE kid = 'evil'`);
      }
    });
  });

  describe('private keys at rest', () => {
    it('private signing keys are sealed in the database (JWE under the KEK), never in clear', async () => {
      await registerPasskey(t.app, a, new SoftAuthenticator(), (await a.newUser()).id);
      const { rows } = await db.query(
        'SELECT tenant_id, kid, private_key_sealed, public_jwk FROM tenant_signing_keys',
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const parts = row.private_key_sealed.split('.');
        expect(parts).toHaveLength(5);
        const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
        expect(header).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
        expect(row.private_key_sealed).not.toContain(row.public_jwk.x);
        expect(row.public_jwk).not.toHaveProperty('d');
      }
      const platform = await db.query('SELECT private_key, private_key_sealed FROM signing_keys');
      expect(platform.rows.length).toBeGreaterThan(0);
      for (const row of platform.rows) {
        expect(row.private_key).toBeNull();
        expect(row.private_key_sealed.split('.')).toHaveLength(5);
      }
    });

    it('a sealed key moved to another tenant does not open there: the completion fails whole, nothing written', async () => {
      const w = await passkeyWorld(t.app);
      const x = await passkeyWorld(t.app);
      await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);
      const { rows } = await db.query(
        'SELECT private_key_sealed FROM tenant_signing_keys WHERE tenant_id = $1',
        [w.tenant],
      );
      // x has no key yet: plant w's sealed key as x's current key
      await db.query(
        `INSERT INTO tenant_signing_keys (tenant_id, kid, algorithm, private_key_sealed, public_jwk)
         VALUES ($1, 'planted', 'ES256', $2, '{}')`,
        [x.tenant, rows[0].private_key_sealed],
      );
      const device = new SoftAuthenticator();
      const user = await x.newUser();
      const started = await start(t.app, x.key, regStartUrl(x, user.id, 'default'));
      const res = await call(
        t.app,
        'POST',
        `${x.storeUrl}/passkeys/registrations/sessions/${started.sessionId}`,
        {
          key: x.key,
          body: { clientResponse: device.register(started.clientRequest as never, ORIGIN) },
        },
      );
      // the key cannot be opened: the completion fails whole, before anything commits
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('planted');
      const passkeys = await db.query('SELECT 1 FROM passkeys WHERE user_id = $1', [user.id]);
      expect(passkeys.rows).toHaveLength(0);
    });
  });

  describe('the platform token key and the KEK at boot', () => {
    it('a platform key an older version stored in clear is sealed and retired by the next boot: its tokens verify for one token lifetime, a new key signs', async () => {
      const { privateKey, publicJwk: jwk } = keyPair({ type: 'ec' });
      await db.query(
        `INSERT INTO signing_keys (kid, algorithm, private_key, public_jwk, created_at)
         VALUES ('legacy-kid', 'ES256', $1, $2, now() + interval '1 minute')`,
        [
          privateKey.export({ format: 'pem', type: 'pkcs8' }),
          { ...jwk, kid: 'legacy-kid', alg: 'ES256', use: 'sig' },
        ],
      );
      // a token the older version issued with it, for a's key
      const keyId = (
        await db.query('SELECT id FROM api_keys WHERE tenant_id = $1 LIMIT 1', [a.tenant])
      ).rows[0].id;
      const now = Math.floor(Date.now() / 1000);
      const legacyToken = await new SignJWT({ tid: a.tenant })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'legacy-kid' })
        .setIssuer('identity-store')
        .setSubject(keyId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);

      const second = await createTestApp({ database: t.database });
      try {
        const { rows } = await db.query(
          "SELECT private_key, private_key_sealed, expires_at FROM signing_keys WHERE kid = 'legacy-kid'",
        );
        expect(rows[0].private_key).toBeNull();
        expect(rows[0].private_key_sealed.split('.')).toHaveLength(5);
        expect(rows[0].expires_at.getTime()).toBeGreaterThan(Date.now());
        // the old version's token still works for now; new tokens come from a new key
        const limits = (token: string) =>
          call(second.app, 'GET', '/api/identity-store/limits', { token });
        expectStatus(await limits(legacyToken), 200);
        const issued = await call(second.app, 'POST', '/api/identity-store/apiKeys/issue', {
          key: a.key,
        });
        expectStatus(issued, 201);
        expect(decodeProtectedHeader(issued.json().token).kid).not.toBe('legacy-kid');
        expectStatus(await limits(issued.json().token), 200);
        // once the retired key expires, what it signed is refused (on a fresh instance: no cache)
        await db.query(
          "UPDATE signing_keys SET expires_at = now() - interval '1 second' WHERE kid = 'legacy-kid'",
        );
        const third = await createTestApp({ database: t.database });
        try {
          expectProblem(
            await call(third.app, 'GET', '/api/identity-store/limits', { token: legacyToken }),
            401,
            'UNAUTHENTICATED',
          );
          const jwks = await call(third.app, 'GET', '/.well-known/jwks.json');
          expect(JSON.stringify(jwks.json())).not.toContain('legacy-kid');
        } finally {
          await third.close();
        }
      } finally {
        await second.close();
      }
    });

    it('an instance started with another IDS_KEK refuses to start, and says why', async () => {
      await expect(
        createTestApp({ database: t.database, config: { kek: Buffer.alloc(32, 9) } }),
      ).rejects.toThrow(/another key-encryption key/);
    });
  });

  describe('step-up transaction data bound into the signature', () => {
    const payment = { amount: '100.00', currency: 'EUR', payee: 'ACME' };

    async function enrolled(w: World) {
      const device = new SoftAuthenticator();
      const user = await w.newUser();
      await registerPasskey(t.app, w, device, user.id);
      return { device, user };
    }

    it('the challenge commits to the data; the nonce returns it and the result token carries its hash', async () => {
      const { device, user } = await enrolled(a);
      const minted = await mint(a, 'authenticate', {
        externalId: user.externalId,
        transactionData: { payee: 'ACME', currency: 'EUR', amount: '100.00' },
      });
      expectStatus(minted, 201);
      const { transactionId } = minted.json();
      const started = await browser(`transactions/${transactionId}/start`);
      expectStatus(started, 200);
      expect(started.json().transactionData).toEqual(payment);
      const challenge = Buffer.from(started.json().clientRequest.challenge, 'base64url');
      const canonical = '{"amount":"100.00","currency":"EUR","payee":"ACME"}';
      expect(challenge).toHaveLength(64);
      expect(challenge.subarray(32)).toEqual(sha256(canonical));

      const clientResponse = device.authenticate(started.json().clientRequest, ORIGIN);
      const finished = await browser(`transactions/${transactionId}/finish`, { clientResponse });
      expectStatus(finished, 200);
      const verified = await verifyNonce(a, finished.json().nonce);
      expectStatus(verified, 200);
      expect(verified.json()).toMatchObject({ transactionId, transactionData: payment });
      const { payload } = await verifyToken(verified.json().resultToken, a.tenant);
      expect(payload).toMatchObject({
        sub: user.id,
        kind: 'authentication',
        txn: transactionId,
        txn_data_hash: sha256(canonical).toString('base64url'),
      });
    });

    it('a register transaction carries data too', async () => {
      const minted = await mint(a, 'register', {
        externalId: `reg-${Date.now()}`,
        passkeyDisplayName: 'Phone',
        transactionData: { terms: 'v3' },
      });
      expectStatus(minted, 201);
      const { transactionId } = minted.json();
      const started = await browser(`transactions/${transactionId}/start`);
      const clientResponse = new SoftAuthenticator().register(started.json().clientRequest, ORIGIN);
      const finished = await browser(`transactions/${transactionId}/finish`, { clientResponse });
      expectStatus(finished, 200);
      const verified = await verifyNonce(a, finished.json().nonce);
      expect(verified.json().transactionData).toEqual({ terms: 'v3' });
      const { payload } = await verifyToken(verified.json().resultToken, a.tenant);
      expect(payload).toMatchObject({ kind: 'registration', txn: transactionId });
      expect(payload.txn_data_hash).toBe(sha256('{"terms":"v3"}').toString('base64url'));
    });

    it('an assertion made for one transactionData is refused for another', async () => {
      const { device, user } = await enrolled(a);
      const small = (
        await mint(a, 'authenticate', {
          externalId: user.externalId,
          transactionData: { ...payment, amount: '1.00' },
        })
      ).json().transactionId;
      const large = (
        await mint(a, 'authenticate', {
          externalId: user.externalId,
          transactionData: { ...payment, amount: '9999.00' },
        })
      ).json().transactionId;
      const smallStart = (await browser(`transactions/${small}/start`)).json();
      expectStatus(await browser(`transactions/${large}/start`), 200);
      // Make the 9999.00 ceremony's stored challenge the very one the user signed for 1.00 (as
      // a copied session would): only the binding to the data can refuse it now, not randomness.
      await db.query(
        `UPDATE ceremony_sessions SET challenge = $2
          WHERE id = (SELECT session_id FROM step_up_transactions WHERE id = $1)`,
        [large, smallStart.clientRequest.challenge],
      );
      // the user approved 1.00; the assertion is sent to the 9999.00 transaction
      const signedForSmall = device.authenticate(smallStart.clientRequest, ORIGIN);
      const res = await browser(`transactions/${large}/finish`, { clientResponse: signedForSmall });
      expectProblem(res, 400, 'CHALLENGE_MISMATCH');
    });

    it('a completion whose stored data was altered in the database is refused', async () => {
      const { device, user } = await enrolled(a);
      const { transactionId } = (
        await mint(a, 'authenticate', {
          externalId: user.externalId,
          transactionData: { ...payment, amount: '1.00' },
        })
      ).json();
      const started = (await browser(`transactions/${transactionId}/start`)).json();
      const clientResponse = device.authenticate(started.clientRequest, ORIGIN);
      // someone with write access to the database changes what was approved
      await db.query('UPDATE step_up_transactions SET transaction_data = $2 WHERE id = $1', [
        transactionId,
        '{"amount":"9999.00","currency":"EUR","payee":"ACME"}',
      ]);
      const res = await browser(`transactions/${transactionId}/finish`, { clientResponse });
      expectProblem(res, 400, 'CHALLENGE_MISMATCH');
      const nonces = await db.query('SELECT 1 FROM nonces WHERE transaction_id = $1', [
        transactionId,
      ]);
      expect(nonces.rows).toHaveLength(0);
    });

    it('data removed from the transaction in the database is refused too', async () => {
      const { device, user } = await enrolled(a);
      const { transactionId } = (
        await mint(a, 'authenticate', { externalId: user.externalId, transactionData: payment })
      ).json();
      const started = (await browser(`transactions/${transactionId}/start`)).json();
      const clientResponse = device.authenticate(started.clientRequest, ORIGIN);
      await db.query('UPDATE step_up_transactions SET transaction_data = NULL WHERE id = $1', [
        transactionId,
      ]);
      const res = await browser(`transactions/${transactionId}/finish`, { clientResponse });
      expectProblem(res, 400, 'CHALLENGE_MISMATCH');
    });

    it('the result token of a step-up is signed at its success: a nonce row altered later buys no signed claim', async () => {
      const { device, user } = await enrolled(a);
      const { transactionId } = (
        await mint(a, 'authenticate', { externalId: user.externalId, transactionData: payment })
      ).json();
      const started = (await browser(`transactions/${transactionId}/start`)).json();
      const finished = await browser(`transactions/${transactionId}/finish`, {
        clientResponse: device.authenticate(started.clientRequest, ORIGIN),
      });
      expectStatus(finished, 200);
      const stored = await db.query(
        'SELECT result_token, proof FROM nonces WHERE transaction_id = $1',
        [transactionId],
      );
      expect(stored.rows[0].proof).toBeNull();
      const tampered = { ...payment, amount: '9999.00' };
      await db.query('UPDATE nonces SET transaction_data = $2 WHERE transaction_id = $1', [
        transactionId,
        JSON.stringify(tampered),
      ]);
      const verified = await verifyNonce(a, finished.json().nonce);
      expectStatus(verified, 200);
      // the token is the one signed at the success, and still states the signed data's hash
      expect(verified.json().resultToken).toBe(stored.rows[0].result_token);
      const { payload } = await verifyToken(verified.json().resultToken, a.tenant);
      const canonical = '{"amount":"100.00","currency":"EUR","payee":"ACME"}';
      expect(payload.txn_data_hash).toBe(sha256(canonical).toString('base64url'));
      expect(payload.txn_data_hash).not.toBe(
        sha256(JSON.stringify(verified.json().transactionData)).toString('base64url'),
      );
      expect(payload.sid).toEqual(expect.any(String));
    });

    it('a nonce minted before result tokens (a proof, no token) is signed at its redemption', async () => {
      const { device, user } = await enrolled(a);
      const { transactionId } = (
        await mint(a, 'authenticate', { externalId: user.externalId })
      ).json();
      const started = (await browser(`transactions/${transactionId}/start`)).json();
      const finished = await browser(`transactions/${transactionId}/finish`, {
        clientResponse: device.authenticate(started.clientRequest, ORIGIN),
      });
      // as the migration leaves a nonce of the previous version: its proof, no token
      await db.query(
        `UPDATE nonces SET result_token = NULL, proof = jsonb_build_object(
           'tenantId', tenant_id, 'storeName', 'shop', 'rpId', 'localhost', 'kind', 'authentication',
           'userId', user_id, 'externalId', external_id, 'passkeyId', passkey_id,
           'userVerified', user_verified, 'backedUp', backed_up, 'backupEligible', false,
           'aaguid', NULL, 'attestation', NULL, 'transactionId', transaction_id,
           'transactionDataHash', NULL)
         WHERE transaction_id = $1`,
        [transactionId],
      );
      const verified = await verifyNonce(a, finished.json().nonce);
      expectStatus(verified, 200);
      const { payload } = await verifyToken(verified.json().resultToken, a.tenant);
      expect(payload).toMatchObject({ sub: user.id, txn: transactionId, kind: 'authentication' });
    });

    it('transactionData must be a JSON object of at most 4 KB', async () => {
      const { user } = await enrolled(a);
      const refused = async (transactionData: unknown) => {
        const problem = expectProblem(
          await mint(a, 'authenticate', { externalId: user.externalId, transactionData }),
          400,
          'VALIDATION_FAILED',
        );
        expect(problem.errors?.[0]).toMatchObject({ field: 'transactionData' });
      };
      await refused(['an', 'array']);
      await refused('a string');
      await refused({ note: 'x'.repeat(4100) });
      let deep: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 10; i++) deep = { deep };
      await refused(deep);
      // JSON numbers beyond a double: parsed to Infinity, which canonical JSON cannot carry
      const res = await t.app.inject({
        method: 'POST',
        url: `${a.rpUrl}/transactions/authenticate`,
        headers: { 'x-api-key': a.key, 'content-type': 'application/json' },
        payload: `{"externalId":"${user.externalId}","transactionData":{"amount":1e400}}`,
      });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expectStatus(
        await mint(a, 'authenticate', {
          externalId: user.externalId,
          transactionData: { note: 'x'.repeat(4000) },
        }),
        201,
      );
    });
  });
});
