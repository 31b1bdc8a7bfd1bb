/**
 * Credential import and export (issue 15, item 3): a passkey made on one server signs in on
 * another (its own, freshly migrated database) after an export and an import, username-less
 * included; imports are all or nothing, idempotent, refuse conflicts and unusable keys by row,
 * and respect the caps; exports page by cursor in exactly the import format (its JSON Schema).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Response } from 'light-my-request';
import { call, createKey, createTenant, expectStatus, uniqueId } from '../support/api';
import {
  authenticate,
  completeAuthentication,
  discoverableStartUrl,
  registerPasskey,
  start,
} from '../support/ceremonies';
import { createEmptyDatabase } from '../support/empty-database';
import { keyPair } from '../support/key-pairs';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import {
  CborValue,
  cborEncode,
  forgeCoseKey,
  SoftAuthenticator,
} from '../support/soft-authenticator';
import { createTestApp, TestApp, TestDatabase } from '../support/test-app';

const API = '/api/identity-store';
const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '../../docs/schemas/passkey-export.schema.json'), 'utf8'),
);

type Row = Record<string, unknown>;
type UserRow = { externalId: string; userName: string; displayName?: string; passkeys: Row[] };

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** A fresh ES256 public key as a COSE_Key, base64url. */
function es256(): string {
  const jwk = keyPair({ type: 'ec' }).publicJwk;
  const bin = (s?: string) => Buffer.from(s ?? '', 'base64url');
  // prettier-ignore
  return b64u(cborEncode(new Map<number, CborValue>([[1, 2], [3, -7], [-1, 1], [-2, bin(jwk.x)], [-3, bin(jwk.y)]])));
}

/** A valid passkey row of the transfer format (rpId localhost). */
function passkeyRow(extra: Row = {}): Row {
  return {
    rpId: 'localhost',
    credentialId: b64u(randomBytes(16)),
    publicKey: es256(),
    algorithm: -7,
    userHandle: b64u(randomBytes(16)),
    ...extra,
  };
}

function userRow(passkeys: Row[], extra: Partial<UserRow> = {}): UserRow {
  const externalId = uniqueId('imp');
  return { externalId, userName: `${externalId}@example.com`, passkeys, ...extra };
}

function importInto(app: NestFastifyApplication, key: string, body: unknown): Promise<Response> {
  return call(app, 'POST', `${API}/stores/shop/passkeys/imports`, { key, body });
}

async function exportPage(
  app: NestFastifyApplication,
  key: string,
  query = '',
): Promise<{ version: number; users: UserRow[]; next: string | null; limit: number }> {
  const res = await call(app, 'GET', `${API}/stores/shop/passkeys/exports${query}`, { key });
  expectStatus(res, 200);
  return res.json();
}

async function userExists(app: NestFastifyApplication, key: string, externalId: string) {
  const res = await call(
    app,
    'GET',
    `${API}/stores/shop/users/${encodeURIComponent(externalId)}/ext`,
    {
      key,
    },
  );
  return res.statusCode === 200;
}

async function usersInTenant(app: NestFastifyApplication, key: string): Promise<number> {
  return (await call(app, 'GET', `${API}/limits`, { key })).json().usage.users;
}

/** A tenant of its own (with these limits), store `shop` and relying party `localhost`. */
async function cappedStore(
  app: NestFastifyApplication,
  limits: Record<string, number>,
): Promise<string> {
  const tenant = await createTenant(app, undefined, limits);
  const key = (await createKey(app, tenant, [`TNT#${tenant}#IdentityStore:*`])).key;
  for (const [url, body] of [
    [`${API}/stores`, { name: 'shop' }],
    [
      `${API}/stores/shop/passkeys/relyingParties`,
      { rpId: 'localhost', name: 'S', origins: [ORIGIN] },
    ],
  ] as const) {
    expectStatus(await call(app, 'POST', url, { key, body }), 201);
  }
  return key;
}

/** Validates with Fastify's own Ajv (a pinned dependency): the errors, none when valid. */
async function schemaValidator(schema: object): Promise<(doc: unknown) => Promise<string[]>> {
  const fastify = Fastify({
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: true,
      },
    },
  });
  fastify.post('/', { schema: { body: schema } }, async () => ({ ok: true }));
  await fastify.ready();
  return async (doc) => {
    const res = await fastify.inject({ method: 'POST', url: '/', payload: doc as object });
    return res.statusCode === 200 ? [] : [res.json().message as string];
  };
}

describe('passkey import and export', () => {
  let a: TestApp;
  let b: TestApp;
  let emptyDb: TestDatabase;
  let wA: World;
  let wB: World;
  let validate: (doc: unknown) => Promise<string[]>;

  beforeAll(async () => {
    a = await createTestApp();
    // server B: its own database, created empty and migrated by B's first start
    emptyDb = await createEmptyDatabase();
    b = await createTestApp({
      database: emptyDb,
      config: { importBodyLimitBytes: 2 * 1024 * 1024 },
    });
    wA = await passkeyWorld(a.app);
    wB = await passkeyWorld(b.app);
    validate = await schemaValidator(SCHEMA);
  });
  afterAll(async () => {
    await b?.close();
    await emptyDb?.drop();
    await a?.close();
  });

  describe('moving a passkey between servers', () => {
    it('a passkey registered on server A, exported, imported into server B (another, freshly migrated database) signs in on B with no new registration, by user and username-less', async () => {
      expect(b.database.name).not.toBe(a.database.name);
      const user = await wA.newUser({
        externalId: 'mover-1',
        userName: 'mover@example.com',
        displayName: 'Mo Ver',
      });
      const device = new SoftAuthenticator({ backupEligible: true, backupState: true });
      const registered = await registerPasskey(a.app, wA, device, user.id, 'default', { alg: -7 });
      expectStatus(await authenticate(a.app, wA, device, user.id), 200);
      const handle = b64u(device.credentials[0].userHandle as Buffer);

      const page = await exportPage(a.app, wA.key);
      const exported = page.users.find((u) => u.externalId === 'mover-1') as UserRow;
      expect(exported).toEqual({
        externalId: 'mover-1',
        userName: 'mover@example.com',
        displayName: 'Mo Ver',
        passkeys: [
          {
            rpId: 'localhost',
            credentialId: registered.credentialId,
            publicKey: b64u(device.credentials[0].publicKeyCose),
            algorithm: -7,
            signCounter: 1,
            transports: ['internal', 'hybrid'],
            aaguid: '00000000-0000-0000-0000-000000000000',
            backupEligible: true,
            backedUp: true,
            userHandle: handle,
            displayName: 'Passkey',
            status: 'ACTIVE',
            createdAt: expect.any(String),
            lastUsedAt: expect.any(String),
          },
        ],
      });

      const res = await importInto(b.app, wB.key, { users: [exported] });
      expectStatus(res, 200);
      const report = res.json();
      expect(report).toMatchObject({
        dryRun: false,
        userCounts: { created: 1, unchanged: 0 },
        passkeyCounts: { created: 1, unchanged: 0, conflict: 0 },
        users: [
          {
            index: 0,
            externalId: 'mover-1',
            outcome: 'created',
            passkeys: [
              {
                index: 0,
                rpId: 'localhost',
                credentialId: registered.credentialId,
                outcome: 'created',
              },
            ],
          },
        ],
      });
      const userIdB = report.users[0].userId as string;

      // by user: B's options allow the imported credential; the counter carries on from 1
      const named = await authenticate(b.app, wB, device, userIdB);
      expectStatus(named, 200);
      expect(named.json()).toMatchObject({
        userId: userIdB,
        externalId: 'mover-1',
        passkeyId: report.users[0].passkeys[0].passkeyId,
        credentialId: registered.credentialId,
        counterRegression: false,
        backedUp: true,
      });
      // username-less: the authenticator answers with the handle it was created with on A
      const started = await start(b.app, wB.key, discoverableStartUrl(wB, 'default'));
      const assertion = device.authenticate(started.clientRequest as never, wB.origin);
      expect(assertion.response.userHandle).toBe(handle);
      const discovered = await completeAuthentication(b.app, wB, started.sessionId, assertion);
      expectStatus(discovered, 200);
      expect(discovered.json()).toMatchObject({ userId: userIdB, externalId: 'mover-1' });

      // nothing was registered anew: one credential on the device, no registration on B
      expect(device.credentials).toHaveLength(1);
      const registrations = await call(
        b.app,
        'GET',
        `${API}/auditEvents?type=PASSKEY_REGISTRATION_STARTED`,
        { key: wB.key },
      );
      expect(registrations.json().totalElements).toBe(0);

      // what B records: imported, not attested; the counter is the device's
      const listed = await call(b.app, 'GET', `${API}/stores/shop/users/${userIdB}/passkeys`, {
        key: wB.key,
      });
      expect(listed.json().content).toEqual([
        expect.objectContaining({
          credentialId: registered.credentialId,
          attestationFormat: 'imported',
          attestationVerified: false,
          attestationTrusted: false,
          signCount: 3,
          useCount: 2,
        }),
      ]);
      // B exports what A exported (its own counter and last use), in the same format
      const again = await call(
        b.app,
        'GET',
        `${API}/stores/shop/users/mover-1/passkeys/export/ext`,
        {
          key: wB.key,
        },
      );
      expectStatus(again, 200);
      expect(again.json()).toEqual({
        version: 1,
        users: [
          {
            ...exported,
            passkeys: [{ ...exported.passkeys[0], signCounter: 3, lastUsedAt: expect.any(String) }],
          },
        ],
      });
      expect(await validate(again.json())).toEqual([]);
      expect(await validate(page)).toEqual([]);
    });

    it('a passkey imported without its backup flags signs in: the first verified sign-in records BE, later ones must match it', async () => {
      // a source that never recorded BE (the Passage guide: "if you have them"); the synced
      // passkey asserts BE=1 at every sign-in
      const user = await wA.newUser({ externalId: uniqueId('be-unknown') });
      const device = new SoftAuthenticator({ backupEligible: true, backupState: true });
      await registerPasskey(a.app, wA, device, user.id, 'default', { alg: -7 });
      const one = await call(a.app, 'GET', `${API}/stores/shop/users/${user.id}/passkeys/export`, {
        key: wA.key,
      });
      expectStatus(one, 200);
      const batch = one.json();
      const [row] = batch.users[0].passkeys as Row[];
      delete row.backupEligible;
      delete row.backedUp;
      const imported = await importInto(b.app, wB.key, batch);
      expectStatus(imported, 200);
      const userIdB = imported.json().users[0].userId;
      const passkeysOf = async () =>
        (
          await call(b.app, 'GET', `${API}/stores/shop/users/${userIdB}/passkeys`, {
            key: wB.key,
          })
        ).json().content;
      expect(await passkeysOf()).toMatchObject([{ backupEligible: null, backedUp: false }]);
      // not known yet: exported as the import took it
      const again = await call(
        b.app,
        'GET',
        `${API}/stores/shop/users/${userIdB}/passkeys/export`,
        {
          key: wB.key,
        },
      );
      expect(again.json().users[0].passkeys[0]).not.toHaveProperty('backupEligible');

      // a response that does not verify records nothing
      const forged = await authenticate(b.app, wB, device, userIdB, 'default', {
        backupEligible: false,
        backupState: false,
        tamperSignature: true,
      });
      expectProblem(forged, 400, 'SIGNATURE_INVALID');
      expect(await passkeysOf()).toMatchObject([{ backupEligible: null }]);

      const first = await authenticate(b.app, wB, device, userIdB);
      expectStatus(first, 200);
      expect(await passkeysOf()).toMatchObject([{ backupEligible: true, backedUp: true }]);
      const flipped = await authenticate(b.app, wB, device, userIdB, 'default', {
        backupEligible: false,
        backupState: false,
      });
      expectProblem(flipped, 400, 'BACKUP_ELIGIBILITY_CHANGED');
      expect(await passkeysOf()).toMatchObject([{ backupEligible: true }]);
      expectStatus(await authenticate(b.app, wB, device, userIdB), 200);
    });

    it('an RS256 and an EdDSA passkey move too', async () => {
      const user = await wA.newUser();
      const device = new SoftAuthenticator();
      for (const alg of [-257, -8] as const)
        await registerPasskey(a.app, wA, device, user.id, 'default', { alg });
      const one = await call(a.app, 'GET', `${API}/stores/shop/users/${user.id}/passkeys/export`, {
        key: wA.key,
      });
      expectStatus(one, 200);
      expect(one.json().users[0].passkeys.map((k: Row) => k.algorithm)).toEqual([-257, -8]);
      const res = await importInto(b.app, wB.key, one.json());
      expectStatus(res, 200);
      const userIdB = res.json().users[0].userId;
      for (const cred of device.credentials) {
        expectStatus(
          await authenticate(b.app, wB, device, userIdB, 'default', { credentialId: cred.id }),
          200,
        );
      }
    });
  });

  describe('re-import idempotence', () => {
    it('importing the same batch again reports everything unchanged and changes nothing', async () => {
      const batch = {
        users: [
          userRow([passkeyRow(), passkeyRow()]),
          userRow([passkeyRow({ transports: ['usb'] })]),
        ],
      };
      batch.users[0].passkeys[1].userHandle = batch.users[0].passkeys[0].userHandle;
      const first = await importInto(b.app, wB.key, batch);
      expectStatus(first, 200);
      expect(first.json().passkeyCounts).toEqual({ created: 3, unchanged: 0, conflict: 0 });

      const snapshot = async () => {
        const users = [];
        for (const u of batch.users) {
          const read = await call(b.app, 'GET', `${API}/stores/shop/users/${u.externalId}/ext`, {
            key: wB.key,
          });
          const passkeys = await call(
            b.app,
            'GET',
            `${API}/stores/shop/users/${read.json().id}/passkeys`,
            { key: wB.key },
          );
          users.push({ user: read.json(), passkeys: passkeys.json() });
        }
        return { users, tenantUsers: await usersInTenant(b.app, wB.key) };
      };
      const before = await snapshot();

      const second = await importInto(b.app, wB.key, batch);
      expectStatus(second, 200);
      const report = second.json();
      expect(report).toMatchObject({
        dryRun: false,
        userCounts: { created: 0, unchanged: 2 },
        passkeyCounts: { created: 0, unchanged: 3, conflict: 0 },
      });
      // the same ids, every row unchanged
      expect(report.users).toEqual(
        first.json().users.map((u: Row & { passkeys: Row[] }) => ({
          ...u,
          outcome: 'unchanged',
          passkeys: u.passkeys.map((k) => ({ ...k, outcome: 'unchanged' })),
        })),
      );
      expect(await snapshot()).toEqual(before);

      // a dry run says the same and writes nothing either
      const dry = await importInto(b.app, wB.key, { ...batch, dryRun: true });
      expectStatus(dry, 200);
      expect(dry.json()).toEqual({ ...report, dryRun: true });
      expect(await snapshot()).toEqual(before);
    });

    it('a batch resumed after a partial run creates only what is new; an existing profile is kept', async () => {
      const known = userRow([passkeyRow()]);
      expectStatus(await importInto(b.app, wB.key, { users: [known] }), 200);
      const more = passkeyRow({ userHandle: known.passkeys[0].userHandle });
      const res = await importInto(b.app, wB.key, {
        users: [{ ...known, userName: 'renamed@example.com', passkeys: [...known.passkeys, more] }],
      });
      expectStatus(res, 200);
      expect(res.json().users[0]).toMatchObject({
        outcome: 'unchanged',
        passkeys: [{ outcome: 'unchanged' }, { outcome: 'created' }],
      });
      const read = await call(b.app, 'GET', `${API}/stores/shop/users/${known.externalId}/ext`, {
        key: wB.key,
      });
      expect(read.json().userName).toBe(known.userName);
    });
  });

  describe('conflicts', () => {
    let holder: UserRow;
    beforeAll(async () => {
      holder = userRow([passkeyRow()]);
      expectStatus(await importInto(b.app, wB.key, { users: [holder] }), 200);
    });

    it('a conflicting credential id in another user: 409 IMPORT_CONFLICT naming the row, with the report, and nothing written', async () => {
      const innocent = userRow([passkeyRow()]);
      const claimant = userRow([
        passkeyRow(),
        passkeyRow({ credentialId: holder.passkeys[0].credentialId }),
      ]);
      claimant.passkeys[1].userHandle = claimant.passkeys[0].userHandle;
      const usersBefore = await usersInTenant(b.app, wB.key);

      const res = await importInto(b.app, wB.key, { users: [innocent, claimant] });
      const problem = expectProblem(res, 409, 'IMPORT_CONFLICT');
      expect(problem.errors).toEqual([
        {
          field: 'users.1.passkeys.1.credentialId',
          in: 'body',
          message: expect.stringContaining('another user'),
        },
      ]);
      expect(problem.report).toMatchObject({
        dryRun: false,
        userCounts: { created: 2, unchanged: 0 },
        passkeyCounts: { created: 2, unchanged: 0, conflict: 1 },
        users: [
          // nothing was made: no ids
          {
            index: 0,
            outcome: 'created',
            userId: null,
            passkeys: [{ outcome: 'created', passkeyId: null }],
          },
          {
            index: 1,
            outcome: 'created',
            passkeys: [
              { outcome: 'created' },
              { outcome: 'conflict', conflict: 'CREDENTIAL_OF_ANOTHER_USER', passkeyId: null },
            ],
          },
        ],
      });
      // all or nothing: not even the innocent user
      expect(await userExists(b.app, wB.key, innocent.externalId)).toBe(false);
      expect(await userExists(b.app, wB.key, claimant.externalId)).toBe(false);
      expect(await usersInTenant(b.app, wB.key)).toBe(usersBefore);

      // the dry run answers the report itself
      const dry = await importInto(b.app, wB.key, { users: [innocent, claimant], dryRun: true });
      expectStatus(dry, 200);
      expect(dry.json()).toMatchObject({
        dryRun: true,
        passkeyCounts: { created: 2, conflict: 1 },
        users: [
          { userId: null },
          { userId: null, passkeys: [{ passkeyId: null }, { outcome: 'conflict' }] },
        ],
      });
      expect(await userExists(b.app, wB.key, innocent.externalId)).toBe(false);
    });

    it.each([
      [
        'the same credential id with another public key',
        (h: UserRow) => [{ ...h, passkeys: [{ ...h.passkeys[0], publicKey: es256() }] }],
        'users.0.passkeys.0.publicKey',
        'PUBLIC_KEY_MISMATCH',
      ],
      [
        "a handle that differs from the user's at the relying party",
        (h: UserRow) => [{ ...h, passkeys: [passkeyRow()] }],
        'users.0.passkeys.0.userHandle',
        'USER_HANDLE_MISMATCH',
      ],
      [
        "another user's handle",
        (h: UserRow) => [userRow([passkeyRow({ userHandle: h.passkeys[0].userHandle })])],
        'users.0.passkeys.0.userHandle',
        'USER_HANDLE_TAKEN',
      ],
      [
        'two handles for one user at one relying party in the batch',
        () => [userRow([passkeyRow(), passkeyRow()])],
        'users.0.passkeys.1.userHandle',
        'USER_HANDLE_MISMATCH',
      ],
      [
        'one handle for two users of the batch',
        () => {
          const first = userRow([passkeyRow()]);
          return [first, userRow([passkeyRow({ userHandle: first.passkeys[0].userHandle })])];
        },
        'users.1.passkeys.0.userHandle',
        'USER_HANDLE_TAKEN',
      ],
    ])(
      '%s is a conflict: 409 naming the row, nothing written',
      async (_name, make, field, reason) => {
        const users = make(holder);
        const res = await importInto(b.app, wB.key, { users });
        const problem = expectProblem(res, 409, 'IMPORT_CONFLICT');
        expect(problem.errors?.map((e) => e.field)).toEqual([field]);
        const [, u, , k] = field.split('.');
        expect(
          (problem.report as { users: { passkeys: Row[] }[] }).users[Number(u)].passkeys[Number(k)],
        ).toMatchObject({ outcome: 'conflict', conflict: reason });
        for (const user of users)
          if (user.externalId !== holder.externalId)
            expect(await userExists(b.app, wB.key, user.externalId)).toBe(false);
        const held = await call(
          b.app,
          'GET',
          `${API}/stores/shop/users/${holder.externalId}/passkeys/export/ext`,
          { key: wB.key },
        );
        expect(held.json().users[0].passkeys).toHaveLength(1);
      },
    );

    it("another tenant's credential ids are no conflict (and not revealed): tenants do not share relying parties", async () => {
      const res = await importInto(a.app, wA.key, {
        users: [userRow([passkeyRow({ credentialId: holder.passkeys[0].credentialId })])],
      });
      expectStatus(res, 200);
      expect(res.json().passkeyCounts).toEqual({ created: 1, unchanged: 0, conflict: 0 });
    });
  });

  describe('refused rows', () => {
    it("a new user may not take the external id '.' or '..' (its /ext routes could not reach it)", async () => {
      const usersBefore = await usersInTenant(b.app, wB.key);
      const problem = expectProblem(
        await importInto(b.app, wB.key, {
          users: [userRow([passkeyRow()]), userRow([passkeyRow()], { externalId: '..' })],
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors!.map((e) => e.field)).toEqual(['users.1.externalId']);
      expect(await usersInTenant(b.app, wB.key)).toBe(usersBefore);
    });

    it('an unusable public key is refused with the row index (400 PUBLIC_KEY_INVALID) and nothing is written', async () => {
      const ok = () => userRow([passkeyRow()]);
      const withTrailing = Buffer.concat([Buffer.from(es256(), 'base64url'), Buffer.from([0])]);
      const rsa1024 = keyPair({ type: 'rsa', modulusLength: 1024 }).publicJwk;
      const users = [
        ok(),
        ok(),
        userRow([
          passkeyRow(),
          passkeyRow({ publicKey: b64u(forgeCoseKey('ec-point-off-curve')) }),
        ]),
        userRow([
          passkeyRow({ algorithm: -8 }),
          passkeyRow({ publicKey: b64u(Buffer.from('not a key at all')) }),
          passkeyRow({ publicKey: b64u(withTrailing) }),
          passkeyRow({
            algorithm: -257,
            // prettier-ignore
            publicKey: b64u(cborEncode(new Map<number, CborValue>([[1, 3], [3, -257], [-1, Buffer.from(rsa1024.n!, 'base64url')], [-2, Buffer.from(rsa1024.e!, 'base64url')]]))),
          }),
          passkeyRow({ publicKey: b64u(forgeCoseKey('unknown-kty')) }),
        ]),
      ];
      users[3].passkeys.forEach(
        (k, i) => i > 0 && (k.userHandle = users[3].passkeys[0].userHandle),
      );
      users[2].passkeys[1].userHandle = users[2].passkeys[0].userHandle;
      const usersBefore = await usersInTenant(b.app, wB.key);
      const problem = expectProblem(
        await importInto(b.app, wB.key, { users }),
        400,
        'PUBLIC_KEY_INVALID',
      );
      expect(problem.errors).toEqual(
        [
          ['users.2.passkeys.1.publicKey', /not on the P-256 curve/],
          ['users.3.passkeys.0.publicKey', /algorithm is -7, not -8/],
          ['users.3.passkeys.1.publicKey', /CBOR/],
          ['users.3.passkeys.2.publicKey', /trailing bytes/],
          ['users.3.passkeys.3.publicKey', /RSA modulus of 1024 bits/],
          ['users.3.passkeys.4.publicKey', /key type or curve does not match/],
        ].map(([field, message]) => ({
          field,
          in: 'body',
          message: expect.stringMatching(message),
        })),
      );
      for (const user of users)
        expect(await userExists(b.app, wB.key, user.externalId)).toBe(false);
      expect(await usersInTenant(b.app, wB.key)).toBe(usersBefore);
    });

    it('rows the format forbids are 400 VALIDATION_FAILED by their path', async () => {
      const twin = userRow([passkeyRow()]);
      const dup = passkeyRow();
      const users = [
        twin,
        { ...twin, passkeys: [] },
        userRow([dup, { ...dup, publicKey: es256() }]),
        userRow([passkeyRow({ userHandle: 'AB' }), passkeyRow({ credentialId: 'AB' })]),
        userRow([passkeyRow({ backedUp: true })]),
      ];
      users[2].passkeys[1].userHandle = dup.userHandle;
      const problem = expectProblem(
        await importInto(b.app, wB.key, { users }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.field)).toEqual([
        'users.1.externalId',
        'users.2.passkeys.1.credentialId',
        'users.3.passkeys.0.userHandle',
        'users.3.passkeys.1.credentialId',
        'users.4.passkeys.0.backedUp',
      ]);
      // the DTO's own rules answer the same way
      const shape = expectProblem(
        await importInto(b.app, wB.key, {
          users: [userRow([passkeyRow({ algorithm: 'ES256', extra: 1 })])],
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(shape.errors?.map((e) => e.field).sort()).toEqual([
        'users.0.passkeys.0.algorithm',
        'users.0.passkeys.0.extra',
      ]);
    });

    it('a null the format does not allow is named by the same path; lastUsedAt may be null', async () => {
      const problem = expectProblem(
        await importInto(b.app, wB.key, {
          users: [userRow([passkeyRow(), passkeyRow({ displayName: null })])],
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([
        { field: 'users.0.passkeys.1.displayName', in: 'body', message: 'must not be null' },
      ]);
      expectStatus(
        await importInto(b.app, wB.key, { users: [userRow([passkeyRow({ lastUsedAt: null })])] }),
        200,
      );
    });

    it('a relying party the store does not have is 404, naming the rows', async () => {
      const problem = expectProblem(
        await importInto(b.app, wB.key, {
          users: [userRow([passkeyRow(), passkeyRow({ rpId: 'elsewhere.example.com' })])],
        }),
        404,
        'RELYING_PARTY_NOT_FOUND',
      );
      expect(problem.errors).toEqual([
        {
          field: 'users.0.passkeys.1.rpId',
          in: 'body',
          message: 'elsewhere.example.com is not a relying party of this store',
        },
      ]);
    });
  });

  describe('caps', () => {
    it(`takes at most 1000 users and 5000 passkeys per batch, in a body bigger than other routes take`, async () => {
      const tooManyUsers = Array.from({ length: 1001 }, () => ({
        externalId: uniqueId('u'),
        userName: 'u',
        passkeys: [],
      }));
      const users = expectProblem(
        await importInto(b.app, wB.key, { users: tooManyUsers }),
        400,
        'VALIDATION_FAILED',
      );
      expect(users.errors?.map((e) => e.field)).toEqual(['users']);

      const key = es256();
      const tooManyPasskeys = Array.from({ length: 51 }, () =>
        userRow(
          Array.from({ length: 100 }, () => passkeyRow({ publicKey: key, userHandle: 'AA' })),
        ),
      );
      const body = JSON.stringify({ users: tooManyPasskeys });
      expect(body.length).toBeGreaterThan(b.config.bodyLimitBytes);
      const passkeys = expectProblem(
        await importInto(b.app, wB.key, { users: tooManyPasskeys }),
        400,
        'VALIDATION_FAILED',
      );
      expect(passkeys.errors).toEqual([
        expect.objectContaining({
          field: 'users',
          message: expect.stringMatching(/5100 passkeys.*at most 5000/),
        }),
      ]);

      // one user's passkeys over 100 are refused before each of them is validated (one user
      // holding the batch's 5000 would be validated in one go, stalling the event loop)
      const crowded = expectProblem(
        await importInto(b.app, wB.key, {
          users: [
            userRow([]),
            userRow(Array.from({ length: 101 }, () => passkeyRow({ publicKey: key }))),
          ],
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(crowded.errors).toEqual([
        expect.objectContaining({
          field: 'users.1.passkeys',
          message: 'holds 101 passkeys; one user takes at most 100',
        }),
      ]);

      // the import route has its own body limit (IDS_IMPORT_BODY_LIMIT_BYTES, 2 MiB on B) ...
      const padded = {
        users: [userRow([], { displayName: 'x'.repeat(200) })],
        pad: 'x'.repeat(2 * 1024 * 1024),
      };
      expectProblem(await importInto(b.app, wB.key, padded), 413, 'PAYLOAD_TOO_LARGE');
      // ... and the other routes keep the server's
      expectProblem(
        await call(b.app, 'POST', `${API}/stores/shop/users`, {
          key: wB.key,
          body: { externalId: uniqueId('u'), userName: 'x'.repeat(b.config.bodyLimitBytes) },
        }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('the key is checked before the large body is read: without a valid key even malformed JSON is a 401', async () => {
      const send = (headers: Record<string, string>) =>
        b.app.inject({
          method: 'POST',
          url: `${API}/stores/shop/passkeys/imports`,
          headers: { 'content-type': 'application/json', ...headers },
          payload: `{"users": [${'{"externalId": "x"},'.repeat(20_000)}`, // cut off: not JSON
        });
      expectProblem(await send({}), 401, 'UNAUTHENTICATED');
      expectProblem(await send({ 'x-api-key': 'idsk_nope' }), 401, 'UNAUTHENTICATED');
      // with the key, the body is read (and refused as what it is)
      expectProblem(await send({ 'x-api-key': wB.key }), 400, 'MALFORMED_REQUEST');
    });

    it("respects the tenant's maxPasskeysPerUser, counting what a user already holds (409, nothing written)", async () => {
      const key = await cappedStore(b.app, { maxPasskeysPerUser: 2 });
      const handle = b64u(randomBytes(8));
      const three = userRow([1, 2, 3].map(() => passkeyRow({ userHandle: handle })));
      const problem = expectProblem(
        await importInto(b.app, key, { users: [userRow([]), three] }),
        409,
        'MAX_PASSKEYS_EXCEEDED',
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({
          field: 'users.1.passkeys',
          message: expect.stringMatching(/3 passkeys.*allows 2/),
        }),
      ]);
      expect(await usersInTenant(b.app, key)).toBe(0);

      const one = { ...three, passkeys: three.passkeys.slice(0, 1) };
      expectStatus(await importInto(b.app, key, { users: [one] }), 200);
      expectProblem(await importInto(b.app, key, { users: [three] }), 409, 'MAX_PASSKEYS_EXCEEDED');
      expectStatus(
        await importInto(b.app, key, {
          users: [{ ...three, passkeys: three.passkeys.slice(0, 2) }],
        }),
        200,
      );
    });

    it("respects the tenant's maxUsers (409 MAX_USERS_EXCEEDED, nothing written) and counts the users it makes", async () => {
      const key = await cappedStore(b.app, { maxUsers: 2 });
      const first = userRow([passkeyRow()]);
      expectStatus(await importInto(b.app, key, { users: [first] }), 200);
      expect(await usersInTenant(b.app, key)).toBe(1);
      const two = [userRow([]), userRow([])];
      expectProblem(await importInto(b.app, key, { users: two }), 409, 'MAX_USERS_EXCEEDED');
      expectProblem(
        await importInto(b.app, key, { users: two, dryRun: true }),
        409,
        'MAX_USERS_EXCEEDED',
      );
      expect(await usersInTenant(b.app, key)).toBe(1);
      for (const u of two) expect(await userExists(b.app, key, u.externalId)).toBe(false);
      // an existing user takes no slot
      expectStatus(await importInto(b.app, key, { users: [first, two[0]] }), 200);
      expect(await usersInTenant(b.app, key)).toBe(2);
    });
  });

  describe('export', () => {
    it('pages the whole store by cursor, each page in the import format (valid against the JSON Schema)', async () => {
      const key = await cappedStore(a.app, {});
      const batch = [0, 1, 2, 3, 4].map((i) =>
        userRow(
          Array.from({ length: i % 3 }, () => passkeyRow()),
          { displayName: `User ${i}` },
        ),
      );
      for (const u of batch)
        for (const k of u.passkeys.slice(1)) k.userHandle = u.passkeys[0].userHandle;
      // two batches: users of one batch share a creation time (the cursor breaks ties by id)
      expectStatus(await importInto(a.app, key, { users: batch.slice(0, 3) }), 200);
      expectStatus(await importInto(a.app, key, { users: batch.slice(3) }), 200);

      const pages = [];
      let after = '';
      for (;;) {
        const page = await exportPage(a.app, key, `?limit=2${after}`);
        expect(await validate(page)).toEqual([]);
        pages.push(page);
        if (!page.next) break;
        after = `&after=${page.next}`;
      }
      expect(pages.map((p) => p.users.length)).toEqual([2, 2, 1]);
      expect(pages.every((p) => p.version === 1 && p.limit === 2)).toBe(true);
      const exported = pages.flatMap((p) => p.users);
      expect(new Set(exported.map((u) => u.externalId))).toEqual(
        new Set(batch.map((u) => u.externalId)),
      );
      expect(
        exported
          .slice(3)
          .map((u) => u.externalId)
          .sort(),
      ).toEqual(
        batch
          .slice(3)
          .map((u) => u.externalId)
          .sort(),
      );
      for (const u of exported) {
        const sent = batch.find((x) => x.externalId === u.externalId) as UserRow;
        // passkeys made in one import share their creation time: in no particular order then
        const byId = (x: Row, y: Row) =>
          String(x.credentialId).localeCompare(String(y.credentialId));
        expect({ ...u, passkeys: [...u.passkeys].sort(byId) }).toMatchObject({
          ...sent,
          passkeys: [...sent.passkeys].sort(byId).map((k) => expect.objectContaining(k)),
        });
      }
      // every page imports as it is: here, all unchanged
      for (const page of pages) {
        const res = await importInto(a.app, key, { users: page.users });
        expectStatus(res, 200);
        expect(res.json().userCounts.created).toBe(0);
        expect(res.json().passkeyCounts.created).toBe(0);
      }
      // one user, by id and by external id: the page's entry
      const someone = exported[2];
      const read = await call(a.app, 'GET', `${API}/stores/shop/users/${someone.externalId}/ext`, {
        key,
      });
      for (const url of [
        `${API}/stores/shop/users/${read.json().id}/passkeys/export`,
        `${API}/stores/shop/users/${someone.externalId}/passkeys/export/ext`,
      ]) {
        const res = await call(a.app, 'GET', url, { key });
        expectStatus(res, 200);
        expect(res.json()).toEqual({ version: 1, users: [someone] });
      }
      // a cursor it did not make
      const bad = expectProblem(
        await call(a.app, 'GET', `${API}/stores/shop/passkeys/exports?after=bm90LWEtY3Vyc29y`, {
          key,
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(bad.errors?.[0]).toMatchObject({ field: 'after', in: 'query' });
    });

    it('a full batch (5000 passkeys) imports without stalling the event loop; an export page ends before it would hold more passkeys than one import takes', async () => {
      const key = await cappedStore(a.app, { maxPasskeysPerUser: 100 });
      const publicKey = es256();
      const full = (n: number) =>
        Array.from({ length: n }, () => {
          const userHandle = b64u(randomBytes(8));
          return userRow(Array.from({ length: 100 }, () => passkeyRow({ publicKey, userHandle })));
        });
      // a full batch is seconds of CPU (validation, 5000 keys parsed): done a little at a time,
      // it never holds the event loop for long (sign-ins on this instance keep being served)
      const users = full(50);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const big = await importInto(a.app, key, { users });
      loop.disable();
      expectStatus(big, 200);
      expect(big.json().passkeyCounts.created).toBe(5000);
      // Done in one go, the batch's seconds of CPU would hold the loop for all of them; done a
      // little at a time, the longest wait is a slice plus a GC or a preemption (up to ~430 ms
      // seen on a loaded 2-core box): the bound tells the two apart without timing a slice.
      expect(loop.max / 1e6).toBeLessThan(1000);
      expectStatus(await importInto(a.app, key, { users: full(2) }), 200);

      const first = await exportPage(a.app, key, '?limit=1000');
      expect(first.users).toHaveLength(50);
      expect(first.users.flatMap((u) => u.passkeys)).toHaveLength(5000);
      expect(first.next).not.toBeNull();
      const second = await exportPage(a.app, key, `?limit=1000&after=${first.next}`);
      expect(second.users).toHaveLength(2);
      expect(second.next).toBeNull();
    });

    it('records imports and exports in the audit log, with counts (a refused import records nothing)', async () => {
      const key = await cappedStore(a.app, {});
      const events = async (type: string) =>
        (await call(a.app, 'GET', `${API}/auditEvents?type=${type}`, { key })).json().content;
      const batch = [userRow([passkeyRow(), passkeyRow()]), userRow([])];
      batch[0].passkeys[1].userHandle = batch[0].passkeys[0].userHandle;
      expectStatus(await importInto(a.app, key, { users: batch }), 200);
      expectProblem(
        await importInto(a.app, key, { users: [userRow([passkeyRow({ algorithm: -8 })])] }),
        400,
        'PUBLIC_KEY_INVALID',
      );
      await importInto(a.app, key, { users: batch, dryRun: true });
      const imported = await events('PASSKEYS_IMPORTED');
      expect(imported).toHaveLength(1);
      expect(imported[0].details).toMatchObject({
        usersCreated: 2,
        usersUnchanged: 0,
        passkeysCreated: 2,
        passkeysUnchanged: 0,
      });
      await exportPage(a.app, key);
      const exported = await events('PASSKEYS_EXPORTED');
      expect(exported).toHaveLength(1);
      expect(exported[0].details).toMatchObject({ users: 2, passkeys: 2 });
    });

    it('the JSON Schema refuses what the import refuses: a passkey without its user handle, unknown members', async () => {
      const doc = { version: 1, users: [userRow([passkeyRow()])] };
      expect(await validate(doc)).toEqual([]);
      const { userHandle: _dropped, ...noHandle } = doc.users[0].passkeys[0];
      expect(
        await validate({ ...doc, users: [{ ...doc.users[0], passkeys: [noHandle] }] }),
      ).not.toEqual([]);
      expect(await validate({ ...doc, extra: true })).not.toEqual([]);
      expect(await validate({ ...doc, version: 2 })).not.toEqual([]);
    });
  });
});
