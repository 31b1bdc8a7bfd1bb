import { Client } from 'pg';
import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, TestApp } from '../support/test-app';

describe('relying parties and policies', () => {
  let t: TestApp;
  let key: string;
  const rps = '/api/identity-store/stores/web/passkeys/relyingParties';
  beforeAll(async () => {
    t = await createTestApp();
    ({
      admin: { key },
    } = await tenantWithAdmin(t.app));
    expectStatus(
      await call(t.app, 'POST', '/api/identity-store/stores', { key, body: { name: 'web' } }),
      201,
    );
  });
  afterAll(() => t.close());

  const post = (url: string, body: unknown) => call(t.app, 'POST', url, { key, body });
  const get = (url: string) => call(t.app, 'GET', url, { key });

  function expectFieldError(
    res: Awaited<ReturnType<typeof post>>,
    field: string,
    mentions?: string,
  ) {
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    const error = problem.errors!.find((e) => e.field === field);
    expect({ field, errors: problem.errors }).toEqual({
      field,
      errors: expect.arrayContaining([expect.objectContaining({ field })]),
    });
    if (mentions) expect(error!.message).toContain(mentions);
  }

  describe('relying parties', () => {
    it('creates one for localhost with a localhost origin, reads, updates and deletes it', async () => {
      const created = await post(rps, {
        rpId: 'localhost',
        name: 'Local',
        origins: ['http://localhost:3000'],
      });
      expectStatus(created, 201);
      expect(created.json()).toMatchObject({
        rpId: 'localhost',
        name: 'Local',
        origins: ['http://localhost:3000'],
      });
      expectStatus(await get(`${rps}/localhost`), 200);
      const updated = await post(`${rps}/localhost`, {
        origins: ['http://localhost:3000', 'http://localhost:8080'],
      });
      expect(updated.json().origins).toEqual(['http://localhost:3000', 'http://localhost:8080']);
      expectProblem(
        await post(rps, { rpId: 'localhost', name: 'again' }),
        409,
        'RELYING_PARTY_ALREADY_EXISTS',
      );
      expectStatus(await call(t.app, 'DELETE', `${rps}/localhost`, { key }), 204);
      expectProblem(await get(`${rps}/localhost`), 404, 'RELYING_PARTY_NOT_FOUND');
    });

    it('accepts a registrable domain with https origins in it and android app origins', async () => {
      const res = await post(rps, {
        rpId: 'example.com',
        name: 'Example',
        origins: [
          'https://example.com',
          'https://login.example.com:8443',
          `android:apk-key-hash:${'A'.repeat(43)}`,
        ],
      });
      expectStatus(res, 201);
    });

    it.each([
      ['https://example.org', 'no scheme'],
      ['example.org:443', 'no scheme, port'],
      ['example.org/login', 'no scheme, port, path'],
      ['org', 'registrable domain'],
      ['192.168.1.10', 'top-level domain'],
      ['Example.org', 'lower case'],
      ['co.uk', 'public suffix'],
      ['-bad.example', 'labels'],
      ['exa mple.org', 'bare domain'],
    ])('rejects the rpId %j', async (rpId, why) => {
      expectFieldError(await post(rps, { rpId, name: 'x' }), 'rpId', why);
    });

    it.each([
      ['http://example.net', 'uses http'],
      ['https://evil.com', "not within the relying party's domain"],
      ['https://notexample.net', "not within the relying party's domain"],
      ['https://example.net/', 'is not an origin'],
      ['https://example.net/login', 'is not an origin'],
      ['https://user@example.net', 'is not an origin'],
      ['ftp://example.net', 'https'],
      ['http://localhost:3000', 'uses http'],
      ['android:apk-key-hash:short', 'android:apk-key-hash'],
      ['example.net', 'is not an origin'],
    ])('rejects the origin %j for example.net, naming it', async (origin, why) => {
      const res = await post(rps, {
        rpId: 'example.net',
        name: 'x',
        origins: ['https://example.net', origin],
      });
      expectFieldError(res, 'origins[1]', why);
      expect(res.json().errors[0].message).toContain(origin);
    });

    it('accepts http://localhost only for the rpId localhost', async () => {
      expectStatus(
        await post(rps, { rpId: 'localhost', name: 'L', origins: ['http://localhost:5173'] }),
        201,
      );
      expectFieldError(
        await post(`${rps}/localhost`, { origins: ['http://127.0.0.1:5173'] }),
        'origins[0]',
      );
    });
  });

  describe('a relying party stored before a stricter rule (a public suffix now)', () => {
    it('is listed, read and deleted; updates and its policies keep the full rule', async () => {
      expectStatus(await post(rps, { rpId: 'legacy.example', name: 'Old' }), 201);
      const db = new Client({ connectionString: t.database.url });
      await db.connect();
      try {
        // as an earlier version, without the Public Suffix List, stored it
        await db.query(
          `UPDATE relying_parties SET rp_id = 's3.amazonaws.com' WHERE rp_id = 'legacy.example'`,
        );
      } finally {
        await db.end();
      }
      const stranded = `${rps}/s3.amazonaws.com`;
      expectStatus(await get(stranded), 200);
      expectFieldError(await post(stranded, { name: 'Renamed' }), 'rpId', 'public suffix');
      expectFieldError(await get(`${stranded}/registrationPolicies`), 'rpId', 'public suffix');
      // it was a 400 on every route (found by review): now it can be removed
      expectStatus(await call(t.app, 'DELETE', stranded, { key }), 204);
      expectProblem(await get(stranded), 404, 'RELYING_PARTY_NOT_FOUND');
      expectFieldError(await get(`${rps}/Upper.example`), 'rpId', 'lower-case');
    });
  });

  describe('policies', () => {
    const rp = `${rps}/policies.example`;
    beforeAll(async () => {
      expectStatus(await post(rps, { rpId: 'policies.example', name: 'P' }), 201);
    });

    it('creates a registration policy with defaults and updates it', async () => {
      const created = await post(`${rp}/registrationPolicies`, { name: 'default' });
      expectStatus(created, 201);
      expect(created.json()).toMatchObject({
        name: 'default',
        authenticatorAttachment: null,
        residentKey: 'preferred',
        userVerification: 'preferred',
        attestation: 'none',
        timeoutMs: 300000,
        algorithms: [-8, -7, -257],
        allowExternalChallenge: false,
        aaguidAllowList: [],
        excludeExistingCredentials: true,
        hints: [],
      });
      const updated = await post(`${rp}/registrationPolicies/default`, {
        authenticatorAttachment: 'platform',
        userVerification: 'required',
        aaguidAllowList: ['EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4'],
        hints: ['client-device', 'hybrid'],
      });
      expectStatus(updated, 200);
      expect(updated.json()).toMatchObject({
        authenticatorAttachment: 'platform',
        userVerification: 'required',
        hints: ['client-device', 'hybrid'],
      });
      expectProblem(
        await post(`${rp}/registrationPolicies`, { name: 'default' }),
        409,
        'POLICY_ALREADY_EXISTS',
      );
      expect((await get(`${rp}/registrationPolicies`)).json().totalElements).toBe(1);
    });

    it('creates an authentication policy with defaults', async () => {
      const created = await post(`${rp}/authenticationPolicies`, { name: 'default' });
      expect(created.json()).toMatchObject({
        userVerification: 'preferred',
        timeoutMs: 300000,
        allowExternalChallenge: false,
        counterPolicy: 'FAIL',
        allowDiscoverable: true,
        hints: [],
      });
      expectStatus(
        await call(t.app, 'DELETE', `${rp}/authenticationPolicies/default`, { key }),
        204,
      );
      expectProblem(
        await get(`${rp}/authenticationPolicies/default`),
        404,
        'AUTHENTICATION_POLICY_NOT_FOUND',
      );
    });

    it.each([
      ['name', { name: 'has space' }],
      ['authenticatorAttachment', { name: 'r', authenticatorAttachment: 'usb' }],
      ['residentKey', { name: 'r', residentKey: 'always' }],
      ['userVerification', { name: 'r', userVerification: 'yes' }],
      ['attestation', { name: 'r', attestation: 'full' }],
      ['timeoutMs', { name: 'r', timeoutMs: 5000 }],
      ['timeoutMs', { name: 'r', timeoutMs: 700000 }],
      ['timeoutMs', { name: 'r', timeoutMs: 30000.5 }],
      ['algorithms', { name: 'r', algorithms: [-7, -35] }],
      ['algorithms', { name: 'r', algorithms: [] }],
      ['algorithms', { name: 'r', algorithms: [-7, -7] }],
      ['aaguidAllowList', { name: 'r', aaguidAllowList: ['not-an-aaguid'] }],
      ['hints', { name: 'r', hints: ['bogus'] }],
      ['hints', { name: 'r', hints: ['hybrid', 'hybrid'] }],
      ['allowExternalChallenge', { name: 'r', allowExternalChallenge: 'yes' }],
      ['excludeExistingCredentials', { name: 'r', excludeExistingCredentials: 1 }],
    ])('a registration policy rejects a bad %s', async (field, body) => {
      expectFieldError(await post(`${rp}/registrationPolicies`, body), field);
    });

    it.each([
      ['userVerification', { name: 'a', userVerification: 'sometimes' }],
      ['timeoutMs', { name: 'a', timeoutMs: 1 }],
      ['counterPolicy', { name: 'a', counterPolicy: 'PANIC' }],
      ['allowDiscoverable', { name: 'a', allowDiscoverable: 'true' }],
      ['hints', { name: 'a', hints: ['nfc'] }],
      ['residentKey', { name: 'a', residentKey: 'required' }],
    ])('an authentication policy rejects a bad %s', async (field, body) => {
      expectFieldError(await post(`${rp}/authenticationPolicies`, body), field);
    });

    it('answers each missing level with its own code', async () => {
      expectProblem(
        await get(
          '/api/identity-store/stores/nope/passkeys/relyingParties/policies.example/registrationPolicies/x',
        ),
        404,
        'STORE_NOT_FOUND',
      );
      expectProblem(
        await get(`${rps}/missing.example/registrationPolicies/x`),
        404,
        'RELYING_PARTY_NOT_FOUND',
      );
      expectProblem(
        await get(`${rp}/registrationPolicies/missing`),
        404,
        'REGISTRATION_POLICY_NOT_FOUND',
      );
    });
  });
});
