/**
 * The complete audit trail: EVERY mutating operation (POST, PUT, PATCH, DELETE) of the OpenAPI
 * document is performed successfully against a fresh fixture tenant, and must have written an
 * audit event with the request's id, client IP and acting key. A new route fails here until it
 * records what it changes (or, when it changes nothing persistent, until it is allow-listed
 * below with its reason). Each operation runs the example body of its document unless a
 * performer below knows better (ceremonies need a real authenticator).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'light-my-request';
import { Client } from 'pg';
import { call, CallOptions, createKey, expectStatus } from '../support/api';
import {
  blobEntry,
  dayFromNow,
  makeIntermediate,
  makeLeaf,
  makeRoot,
  signBlob,
  statement,
  TestCa,
} from '../support/attestation-pki';
import { authStartUrl, registerPasskey, regStartUrl, start } from '../support/ceremonies';
import { documentedOperations, DocumentedOperation } from '../support/openapi-operations';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

const DOC = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8'),
) as OpenAPIObject;
const MUTATING = documentedOperations(DOC).filter((op) => op.method !== 'GET');

/**
 * Reviewed: operations that write no audit event, and why. Everything else must write one.
 */
const ALLOW_LIST: Record<string, string> = {
  issueToken:
    'exchanges a key for a stateless JWT: nothing is written (the key use is in lastUsedAt)',
  pingWebhookEndpoint:
    'queues a test delivery (the delivery log shows it); an event for it would itself go to every "*" subscriber',
  redeliverWebhook:
    'sends an existing event again (the delivery log shows the attempt); nothing of the tenant changes',
};

/** What each known operation records; `shape`: the before/after summary its details carry. */
const EXPECTED: Record<string, { type: string; shape?: 'created' | 'updated' | 'deleted' }> = {
  rotateSigningKey: { type: 'SIGNING_KEY_ROTATED' },
  createTenant: { type: 'TENANT_CREATED', shape: 'created' },
  updateTenant: { type: 'TENANT_UPDATED', shape: 'updated' },
  deleteTenant: { type: 'TENANT_DELETED', shape: 'deleted' },
  createApiKey: { type: 'API_KEY_CREATED', shape: 'created' },
  updateApiKey: { type: 'API_KEY_BLOCKED', shape: 'updated' },
  deleteApiKey: { type: 'API_KEY_DELETED', shape: 'deleted' },
  createStore: { type: 'STORE_CREATED', shape: 'created' },
  updateStore: { type: 'STORE_UPDATED', shape: 'updated' },
  deleteStore: { type: 'STORE_DELETED', shape: 'deleted' },
  createUser: { type: 'USER_CREATED', shape: 'created' },
  updateUser: { type: 'USER_UPDATED', shape: 'updated' },
  deleteUser: { type: 'USER_DELETED', shape: 'deleted' },
  updateUserByExtId: { type: 'USER_UPDATED', shape: 'updated' },
  deleteUserByExtId: { type: 'USER_DELETED', shape: 'deleted' },
  createRelyingParty: { type: 'RELYING_PARTY_CREATED', shape: 'created' },
  updateRelyingParty: { type: 'RELYING_PARTY_UPDATED', shape: 'updated' },
  deleteRelyingParty: { type: 'RELYING_PARTY_DELETED', shape: 'deleted' },
  createRegistrationPolicy: { type: 'REGISTRATION_POLICY_CREATED', shape: 'created' },
  updateRegistrationPolicy: { type: 'REGISTRATION_POLICY_UPDATED', shape: 'updated' },
  deleteRegistrationPolicy: { type: 'REGISTRATION_POLICY_DELETED', shape: 'deleted' },
  createAuthenticationPolicy: { type: 'AUTHENTICATION_POLICY_CREATED', shape: 'created' },
  updateAuthenticationPolicy: { type: 'AUTHENTICATION_POLICY_UPDATED', shape: 'updated' },
  deleteAuthenticationPolicy: { type: 'AUTHENTICATION_POLICY_DELETED', shape: 'deleted' },
  loadBlob: { type: 'AUTHENTICATOR_METADATA_LOADED' },
  loadStatements: { type: 'AUTHENTICATOR_METADATA_LOADED' },
  createPasskeyAuthenticationForUser: { type: 'PASSKEY_AUTHENTICATION_STARTED' },
  createPasskeyAuthenticationForUserByExtId: { type: 'PASSKEY_AUTHENTICATION_STARTED' },
  createDiscoverablePasskeyAuthentication: { type: 'PASSKEY_AUTHENTICATION_STARTED' },
  completePasskeyAuthentication: { type: 'PASSKEY_AUTHENTICATION_SUCCEEDED' },
  cancelPasskeyAuthentication: { type: 'PASSKEY_AUTHENTICATION_CANCELLED' },
  createPasskeyRegistrationForUser: { type: 'PASSKEY_REGISTRATION_STARTED' },
  createPasskeyRegistrationForUserByExtId: { type: 'PASSKEY_REGISTRATION_STARTED' },
  completePasskeyRegistration: { type: 'PASSKEY_REGISTRATION_SUCCEEDED' },
  cancelPasskeyRegistration: { type: 'PASSKEY_REGISTRATION_CANCELLED' },
  updatePasskey: { type: 'PASSKEY_UPDATED', shape: 'updated' },
  deletePasskey: { type: 'PASSKEY_DELETED', shape: 'deleted' },
  updatePasskeyByExtId: { type: 'PASSKEY_UPDATED', shape: 'updated' },
  deletePasskeyByExtId: { type: 'PASSKEY_DELETED', shape: 'deleted' },
  createRegisterTransaction: { type: 'TRANSACTION_CREATED' },
  createAuthenticateTransaction: { type: 'TRANSACTION_CREATED' },
  verifyNonce: { type: 'NONCE_REDEEMED' },
  startTransaction: { type: 'PASSKEY_AUTHENTICATION_STARTED' },
  finishTransaction: { type: 'PASSKEY_AUTHENTICATION_SUCCEEDED' },
  startUsernameless: { type: 'PASSKEY_AUTHENTICATION_STARTED' },
  createWebhookEndpoint: { type: 'WEBHOOK_ENDPOINT_CREATED' },
  updateWebhookEndpoint: { type: 'WEBHOOK_ENDPOINT_UPDATED' },
  deleteWebhookEndpoint: { type: 'WEBHOOK_ENDPOINT_DELETED' },
  createPassageApp: { type: 'PASSAGE_APP_CREATED', shape: 'created' },
  deletePassageApp: { type: 'PASSAGE_APP_DELETED', shape: 'deleted' },
  passageCreateRegisterTransaction: { type: 'TRANSACTION_CREATED' },
  passageCreateAuthenticateTransaction: { type: 'TRANSACTION_CREATED' },
  passageVerifyNonce: { type: 'NONCE_REDEEMED' },
  passageDeleteDevice: { type: 'PASSKEY_DELETED' },
  passageRegisterStart: { type: 'PASSKEY_REGISTRATION_STARTED' },
  passageRegisterFinish: { type: 'PASSKEY_REGISTRATION_SUCCEEDED' },
  passageAuthenticateStart: { type: 'PASSKEY_AUTHENTICATION_STARTED' },
  passageAuthenticateFinish: { type: 'PASSKEY_AUTHENTICATION_SUCCEEDED' },
};

/** A tenant of its own with one of everything, and the values of every path parameter. */
interface Fixture {
  w: World;
  device: SoftAuthenticator;
  user: { id: string; externalId: string };
  params: Record<string, string>;
}

interface Performance {
  op: DocumentedOperation;
  f: Fixture;
  /** The operation's own call (with the request id the events are looked up by). */
  send(options?: CallOptions & { params?: Record<string, string> }): Promise<Response>;
}

/** Operations whose example body cannot succeed in the fixture, and what they run instead. */
const PERFORMERS: Record<string, (p: Performance) => Promise<Response>> = {
  rotateSigningKey: ({ send }) => send({ body: {} }),
  createApiKey: ({ send }) => send({ body: { name: 'audited', permissions: [] } }),
  updateApiKey: ({ send }) => send({ body: { description: 'audited', status: 'BLOCKED' } }),
  createRelyingParty: ({ send }) =>
    send({ body: { rpId: 'login.example.com', name: 'Login', origins: [] } }),
  createRegistrationPolicy: ({ send, op }) =>
    send({ body: { ...(op.body as object), name: 'audited' } }),
  createAuthenticationPolicy: ({ send, op }) =>
    send({ body: { ...(op.body as object), name: 'audited' } }),
  loadBlob: async ({ send }) => send({ body: { blob: await mds.blob() } }),
  loadStatements: ({ send }) =>
    send({ body: { statements: [statement(uuid(), 'Audited Model', mds.attestationRoot)] } }),
  // no external challenge in the fixture's policies
  createPasskeyAuthenticationForUser: ({ send }) => send({ body: {} }),
  createPasskeyAuthenticationForUserByExtId: ({ send }) => send({ body: {} }),
  createDiscoverablePasskeyAuthentication: ({ send }) => send({ body: {} }),
  createPasskeyRegistrationForUser: ({ send }) => send({ body: {} }),
  createPasskeyRegistrationForUserByExtId: ({ send }) => send({ body: {} }),
  completePasskeyAuthentication: async ({ f, send }) => {
    const started = await start(t.app, f.w.key, authStartUrl(f.w, f.user.id, 'default'));
    const clientResponse = f.device.authenticate(started.clientRequest as never, f.w.origin);
    return send({ params: { sessionId: started.sessionId }, body: { clientResponse } });
  },
  completePasskeyRegistration: async ({ f, send }) => {
    const started = await start(t.app, f.w.key, regStartUrl(f.w, f.user.id, 'default'));
    const clientResponse = new SoftAuthenticator().register(
      started.clientRequest as never,
      f.w.origin,
    );
    return send({ params: { sessionId: started.sessionId }, body: { clientResponse } });
  },
  cancelPasskeyRegistration: async ({ f, send }) => {
    const started = await start(t.app, f.w.key, regStartUrl(f.w, f.user.id, 'default'));
    return send({ params: { sessionId: started.sessionId } });
  },
  createAuthenticateTransaction: ({ f, send }) => send({ body: { externalId: f.user.externalId } }),
  verifyNonce: async ({ f, send }) => {
    const transactionId = await mintAuthentication(f);
    const started = await browser(`transactions/${transactionId}/start`);
    const clientResponse = f.device.authenticate(started.json().clientRequest, ORIGIN);
    const finished = await browser(`transactions/${transactionId}/finish`, { clientResponse });
    expectStatus(finished, 200);
    return send({ body: { nonce: finished.json().nonce } });
  },
  startTransaction: async ({ f, send }) =>
    send({ params: { transactionId: await mintAuthentication(f) }, body: {} }),
  finishTransaction: async ({ f, send }) => {
    const transactionId = await mintAuthentication(f);
    const started = await browser(`transactions/${transactionId}/start`);
    const clientResponse = f.device.authenticate(started.json().clientRequest, ORIGIN);
    return send({ params: { transactionId }, body: { clientResponse } });
  },
  startUsernameless: ({ send }) => send({ body: {} }),
  // a public address: the test app sends nothing (its webhook sender is off)
  createWebhookEndpoint: ({ send }) =>
    send({ body: { url: 'https://93.184.215.14/audited-hook', events: ['*'] } }),
  updateWebhookEndpoint: ({ send }) =>
    send({ body: { events: ['PASSKEY_DELETED'], active: false } }),
  // the Passage-compatible routes (their app id comes with the fixture)
  createPassageApp: ({ send }) =>
    send({ body: { registrationPolicy: 'default', authenticationPolicy: 'default' } }),
  passageCreateRegisterTransaction: ({ send }) =>
    send({ body: { external_id: 'passage-audited', passkey_display_name: 'Audited' } }),
  passageCreateAuthenticateTransaction: ({ f, send }) =>
    send({ body: { external_id: f.user.externalId } }),
  passageRegisterStart: async ({ f, send }) =>
    send({ body: { transaction_id: await passageTransaction(f, 'register') } }),
  passageRegisterFinish: async ({ f, send }) => {
    const id = await passageTransaction(f, 'register');
    const started = await passageBrowser(f, 'register/transactions/webauthn/start', {
      transaction_id: id,
    });
    const credential = new SoftAuthenticator().register(
      started.json().handshake.challenge.publicKey,
      ORIGIN,
    );
    return send({ body: { handshake_id: id, handshake_response: credential } });
  },
  passageAuthenticateStart: async ({ f, send }) =>
    send({ body: { transaction_id: await passageTransaction(f, 'authenticate') } }),
  passageAuthenticateFinish: async ({ f, send }) => {
    const id = await passageTransaction(f, 'authenticate');
    const started = await passageBrowser(f, 'authenticate/transactions/webauthn/start', {
      transaction_id: id,
    });
    const credential = f.device.authenticate(started.json().handshake.challenge.publicKey, ORIGIN);
    return send({ body: { handshake_id: id, handshake_response: credential } });
  },
  passageVerifyNonce: async ({ f, send }) => {
    const id = await passageTransaction(f, 'authenticate');
    const started = await passageBrowser(f, 'authenticate/transactions/webauthn/start', {
      transaction_id: id,
    });
    const credential = f.device.authenticate(started.json().handshake.challenge.publicKey, ORIGIN);
    const finished = await passageBrowser(f, 'authenticate/transactions/webauthn/finish', {
      handshake_id: id,
      handshake_response: credential,
    });
    expectStatus(finished, 200);
    return send({ body: { nonce: finished.json().nonce } });
  },
};

const passageBrowser = (f: Fixture, path: string, body: unknown) =>
  call(t.app, 'POST', `/passage/v1/apps/${f.params.appId}/${path}`, {
    body,
    headers: { origin: ORIGIN },
  });

/** A transaction minted through Passage's backend route (the fixture's user, or a new one). */
async function passageTransaction(f: Fixture, kind: 'register' | 'authenticate'): Promise<string> {
  const res = await call(t.app, 'POST', `/passage/v1/apps/${f.params.appId}/transactions/${kind}`, {
    key: f.w.key,
    body:
      kind === 'register'
        ? { external_id: `passage-${randomBytes(4).toString('hex')}`, passkey_display_name: 'P' }
        : { external_id: f.user.externalId },
  });
  expectStatus(res, 201);
  return res.json().transaction_id;
}

let t: TestApp;
let db: Client;
const mds = {
  root: undefined as unknown as TestCa,
  signer: undefined as unknown as TestCa,
  chain: [] as TestCa[],
  attestationRoot: undefined as unknown as TestCa,
  no: 1,
  blob(): Promise<string> {
    const entries = [blobEntry(statement(uuid(), 'Audited BLOB Model', this.attestationRoot))];
    return signBlob(
      { no: this.no++, nextUpdate: dayFromNow(30), entries },
      this.signer,
      this.chain,
    );
  },
};

const uuid = () => {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
};

const browser = (path: string, body: unknown = {}) =>
  call(t.app, 'POST', `/api/identity-store/browser/${path}`, { body, headers: { origin: ORIGIN } });

async function mintAuthentication(f: Fixture): Promise<string> {
  const res = await call(t.app, 'POST', `${f.w.rpUrl}/transactions/authenticate`, {
    key: f.w.key,
    body: { externalId: f.user.externalId },
  });
  expectStatus(res, 201);
  return res.json().transactionId;
}

async function fixture(): Promise<Fixture> {
  const w = await passkeyWorld(t.app);
  const user = await w.newUser();
  const device = new SoftAuthenticator();
  const passkey = await registerPasskey(t.app, w, device, user.id);
  const spare = await createKey(t.app, w.tenant, []);
  const session = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
  const endpoint = await w.post('/api/identity-store/webhooks/endpoints', {
    url: 'https://93.184.215.14/fixture-hook',
    events: ['*'],
  });
  const app = await w.post(`${w.rpUrl}/passageApps`, {
    registrationPolicy: 'default',
    authenticationPolicy: 'default',
  });
  return {
    w,
    device,
    user,
    params: {
      tenantId: w.tenant,
      apiKeyId: spare.id,
      storeName: w.store,
      userId: user.id,
      userExtId: user.externalId,
      rpId: w.rpId,
      regPolicyName: 'default',
      authPolicyName: 'default',
      passkeyId: passkey.passkeyId,
      sessionId: session.sessionId,
      appId: app.appId as string,
      endpointId: endpoint.id as string,
      deviceId: passkey.passkeyId,
    },
  };
}

interface EventRow {
  type: string;
  tenant_id: string | null;
  actor_key_id: string | null;
  request_id: string;
  ip: string;
  details: Record<string, unknown>;
}

let platformKeyId: string;

/** The id an API key string carries (`idsk_{id without dashes}_{secret}`). */
function keyIdOf(key: string): string {
  if (key === PLATFORM_KEY) return platformKeyId;
  const hex = key.split('_')[1];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('every mutating operation writes an audit event', () => {
  beforeAll(async () => {
    mds.root = await makeRoot('Trail MDS Root');
    const intermediate = await makeIntermediate(mds.root, 'Trail MDS CA');
    mds.signer = await makeLeaf(intermediate, 'CN=mds.test, O=Identity Store Tests, C=US');
    mds.chain = [mds.signer, intermediate];
    mds.attestationRoot = await makeRoot('Trail Attestation Root');
    t = await createTestApp({
      config: {
        mdsRootCertificates: [mds.root.pem],
        mdsSignerHost: 'mds.test',
        browserRateLimit: 1000,
      },
    });
    db = new Client({ connectionString: t.database.url });
    await db.connect();
    platformKeyId = (await db.query('SELECT id FROM api_keys WHERE is_platform')).rows[0].id;
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('knows every mutating operation: each is performed below or allow-listed with a reason', () => {
    expect(MUTATING.length).toBeGreaterThan(30);
    const ids = new Set(MUTATING.map((op) => op.id));
    // no stale entries: what the lists name exists
    expect(Object.keys(ALLOW_LIST).filter((id) => !ids.has(id))).toEqual([]);
    expect(Object.keys(PERFORMERS).filter((id) => !ids.has(id))).toEqual([]);
  });

  it.each(MUTATING.filter((op) => !(op.id in ALLOW_LIST)).map((op) => [op.id, op] as const))(
    '%s',
    async (_id, op) => {
      const f = await fixture();
      const requestId = `trail-${op.id}-${randomBytes(4).toString('hex')}`;
      const platform = op.permission?.startsWith('TNT#*#') ?? false;
      const key = op.isPublic ? undefined : platform ? PLATFORM_KEY : f.w.key;
      const send: Performance['send'] = (options = {}) => {
        const params = { ...f.params, ...options.params };
        const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
          if (params[name] === undefined) {
            throw new Error(`no fixture for {${name}} of ${op.id}: give it a performer`);
          }
          return encodeURIComponent(params[name]);
        });
        return call(t.app, op.method, url, {
          key,
          ...options,
          body: op.method === 'DELETE' ? undefined : (options.body ?? op.body ?? {}),
          headers: {
            'x-request-id': requestId,
            ...(op.isPublic ? { origin: ORIGIN } : {}),
            ...options.headers,
          },
        });
      };
      const perform = PERFORMERS[op.id] ?? (({ send: s, op: o }) => s({ body: o.body }));
      const res = await perform({ op, f, send });
      if (![200, 201, 204].includes(res.statusCode)) {
        throw new Error(
          `${op.id} did not succeed in the fixture (${res.statusCode} ${res.body.slice(0, 300)}): ` +
            'give it a performer',
        );
      }

      const { rows } = await db.query<EventRow>(
        `SELECT type, tenant_id, actor_key_id, request_id, ip, details FROM audit_events
          WHERE request_id = $1`,
        [requestId],
      );
      if (rows.length === 0) {
        throw new Error(
          `${op.id} changed something and wrote no audit event (or allow-list it with a reason)`,
        );
      }
      for (const event of rows) {
        expect(event).toMatchObject({
          // a platform key acting in a tenant leaves its address out of the tenant's chain
          ip: key === PLATFORM_KEY && event.tenant_id !== '*' ? null : '127.0.0.1',
          actor_key_id: key ? keyIdOf(key) : null,
        });
      }
      // no secret of any kind: no key, no key hash, no public key, no challenge answer
      const written = JSON.stringify(rows);
      expect(written).not.toContain(f.w.key.slice(-43));
      expect(written).not.toMatch(/idsk_|secretHash|publicKey|clientResponse/);

      const expected = EXPECTED[op.id];
      if (!expected) return; // a new operation: an event is all it owes until it is listed
      const event = rows.find((row) => row.type === expected.type);
      expect({ op: op.id, types: rows.map((r) => r.type) }).toEqual({
        op: op.id,
        types: expect.arrayContaining([expected.type]),
      });
      if (expected.shape === 'created') expect(event!.details.after).toEqual(expect.any(Object));
      if (expected.shape === 'deleted') expect(event!.details.before).toEqual(expect.any(Object));
      if (expected.shape === 'updated') {
        expect(event!.details).toMatchObject({
          changed: expect.any(Array),
          before: expect.any(Object),
          after: expect.any(Object),
        });
      }
    },
  );
});

describe('what the events say', () => {
  beforeAll(async () => {
    t = await createTestApp();
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const events = async (tenant: string, type: string) =>
    (
      await db.query<EventRow>(
        `SELECT type, tenant_id, actor_key_id, request_id, ip, details FROM audit_events
          WHERE tenant_id = $1 AND type = $2 ORDER BY occurred_at, id`,
        [tenant, type],
      )
    ).rows;

  it('an administrator locking and unlocking a user: who, from what, to what; personal data by name only', async () => {
    const w = await passkeyWorld(t.app);
    const user = await w.newUser({ email: 'jane@example.com' });
    const update = (body: unknown) =>
      call(t.app, 'POST', `${w.storeUrl}/users/${user.id}`, { key: w.key, body });
    expectStatus(await update({ status: 'LOCKED' }), 200);
    expectStatus(await update({ status: 'ACTIVE', email: 'j.doe@example.com' }), 200);
    const actor = keyIdOf(w.key);
    expect(await events(w.tenant, 'USER_LOCKED')).toEqual([
      expect.objectContaining({
        actor_key_id: actor,
        details: { userId: user.id, from: 'ACTIVE', to: 'LOCKED' },
      }),
    ]);
    expect(await events(w.tenant, 'USER_UNLOCKED')).toEqual([
      expect.objectContaining({
        actor_key_id: actor,
        details: { userId: user.id, from: 'LOCKED', to: 'ACTIVE' },
      }),
    ]);
    const updates = await events(w.tenant, 'USER_UPDATED');
    expect(updates.map((e) => e.details)).toEqual([
      {
        userId: user.id,
        changed: ['status'],
        before: { status: 'ACTIVE' },
        after: { status: 'LOCKED' },
      },
      {
        userId: user.id,
        changed: ['status', 'email'],
        before: { status: 'LOCKED' },
        after: { status: 'ACTIVE' },
      },
    ]);
    expect(JSON.stringify(updates)).not.toContain('example.com');
  });

  it('a store rename and a relying party change show both sides; a refused change writes nothing', async () => {
    const w = await passkeyWorld(t.app);
    await w.post('/api/identity-store/stores', { name: 'other' });
    const renamed = await call(t.app, 'POST', w.storeUrl, { key: w.key, body: { name: 'shop-2' } });
    expectStatus(renamed, 200);
    expect((await events(w.tenant, 'STORE_UPDATED')).map((e) => e.details)).toEqual([
      expect.objectContaining({
        changed: ['name'],
        before: { name: 'shop' },
        after: { name: 'shop-2' },
      }),
    ]);
    const taken = await call(t.app, 'POST', '/api/identity-store/stores/shop-2', {
      key: w.key,
      body: { name: 'other' },
      headers: { 'x-request-id': 'refused-rename' },
    });
    expect(taken.statusCode).toBe(409);
    const { rows } = await db.query('SELECT 1 FROM audit_events WHERE request_id = $1', [
      'refused-rename',
    ]);
    expect(rows).toEqual([]);

    const rp = await call(
      t.app,
      'POST',
      '/api/identity-store/stores/shop-2/passkeys/relyingParties/localhost',
      { key: w.key, body: { origins: ['http://localhost:3000', 'http://localhost:4000'] } },
    );
    expectStatus(rp, 200);
    expect((await events(w.tenant, 'RELYING_PARTY_UPDATED'))[0].details).toMatchObject({
      rpId: 'localhost',
      changed: ['origins'],
      before: { origins: ['http://localhost:3000'] },
      after: { origins: ['http://localhost:3000', 'http://localhost:4000'] },
    });
  });

  it('a registration start that creates its user records the user with the start, in one request', async () => {
    const w = await passkeyWorld(t.app);
    const res = await call(
      t.app,
      'POST',
      `/api/identity-store/${w.tenant}/stores/shop/users/newcomer/passkeys/relyingParties/localhost/registrations/default/ext`,
      { key: w.key, body: { createUser: true }, headers: { 'x-request-id': 'first-start' } },
    );
    expectStatus(res, 201);
    const { rows } = await db.query<EventRow>(
      'SELECT type, details FROM audit_events WHERE request_id = $1 ORDER BY type',
      ['first-start'],
    );
    expect(rows.map((r) => r.type)).toEqual(['PASSKEY_REGISTRATION_STARTED', 'USER_CREATED']);
    expect(rows[1].details).toMatchObject({ after: { externalId: 'newcomer', status: 'ACTIVE' } });
  });
});
