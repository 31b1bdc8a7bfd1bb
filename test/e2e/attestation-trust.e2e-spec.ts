/**
 * Attestation trust (issue 12, item 4): an AAGUID is evidence only when the attestation
 * statement chains to a root of the AAGUID's metadata, loaded offline (a signed MDS BLOB or
 * statements) into PostgreSQL. Each rule is proven with a forged variant through the real API.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, expectStatus } from '../support/api';
import {
  attestationSigner,
  blobEntry,
  dayFromNow,
  makeIntermediate,
  makeLeaf,
  makeRoot,
  signBlob,
  statement,
  TestCa,
} from '../support/attestation-pki';
import {
  authenticate,
  completeRegistration,
  registerPasskey,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { RegistrationOverrides, SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

const YUBIKEY = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const COMPROMISED = '11111111-2222-4333-8444-555555555555';
const DENIED = '22222222-3333-4444-8555-666666666666';
const LATE = '33333333-4444-4555-8666-777777777777';
/** A model reported compromised after a passkey of it was registered (its test flips `fallen`). */
const FALLEN = '44444444-5555-4666-8777-888888888888';
const METADATA = '/api/identity-store/metadata';

describe('attestation trust and offline FIDO metadata', () => {
  let t: TestApp;
  let w: World;
  let attRoot: TestCa;
  let attInt: TestCa;
  let otherInt: TestCa;
  let mdsRoot: TestCa;
  let mdsInt: TestCa;
  let mdsSigner: TestCa;
  let blobNo = 1;
  let fallen = false;

  const mdsConfig = () => ({ mdsRootCertificates: [mdsRoot.pem], mdsSignerHost: 'mds.test' });
  const loadBlob = (blob: string, app = t.app) =>
    call(app, 'POST', `${METADATA}/blob`, { key: PLATFORM_KEY, body: { blob } });
  const entries = () => [
    blobEntry(statement(YUBIKEY, 'Test YubiKey 5 Series', attRoot)),
    blobEntry(statement(DENIED, 'Test Denied Model', attRoot)),
    blobEntry(statement(COMPROMISED, 'Test Compromised Model', attRoot), [
      { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2023-01-01' },
      { status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2024-06-01' },
    ]),
    blobEntry(statement(FALLEN, 'Test Fallen Model', attRoot), [
      { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2023-01-01' },
      ...(fallen ? [{ status: 'USER_VERIFICATION_BYPASS', effectiveDate: '2025-01-01' }] : []),
    ]),
  ];

  beforeAll(async () => {
    attRoot = await makeRoot('Test Attestation Root');
    attInt = await makeIntermediate(attRoot, 'Test Attestation CA');
    otherInt = await makeIntermediate(await makeRoot('Unknown Vendor Root'), 'Unknown Vendor CA');
    mdsRoot = await makeRoot('Test MDS Root');
    mdsInt = await makeIntermediate(mdsRoot, 'Test MDS CA');
    mdsSigner = await makeLeaf(mdsInt, 'CN=mds.test, O=Identity Store Tests, C=US');
    t = await createTestApp({ config: mdsConfig() });
    w = await passkeyWorld(t.app);
    const policies: Record<string, unknown>[] = [
      { name: 'allow-yubikey', attestation: 'direct', aaguidAllowList: [YUBIKEY] },
      { name: 'trusted', attestation: 'direct', attestationRequirement: 'TRUSTED' },
      { name: 'verified', attestation: 'direct', attestationRequirement: 'VERIFIED' },
      { name: 'refuse-untrusted', attestation: 'direct', untrustedAttestation: 'REFUSE' },
      { name: 'deny', attestation: 'direct', aaguidDenyList: [DENIED] },
    ];
    for (const p of policies) await w.post(`${w.rpUrl}/registrationPolicies`, p);
    const res = await loadBlob(
      await signBlob({ no: blobNo++, nextUpdate: dayFromNow(30), entries: entries() }, mdsSigner, [
        mdsSigner,
        mdsInt,
      ]),
    );
    expectStatus(res, 200);
    expect(res.json()).toMatchObject({ loaded: 4, status: { blob: { entries: 4 } } });
  });
  afterAll(() => t.close());

  /** Starts a registration under `policy` and completes it with `overrides`. */
  async function register(policy: string, overrides: RegistrationOverrides, app = t.app) {
    const user = await w.newUser();
    const started = await start(app, w.key, regStartUrl(w, user.id, policy));
    const response = new SoftAuthenticator().register(started.clientRequest as never, w.origin, {
      alg: -7,
      ...overrides,
    });
    return completeRegistration(app, w, started.sessionId, response);
  }

  const chainedTo = async (ca: TestCa, aaguid: string): Promise<RegistrationOverrides> => ({
    aaguid,
    attestation: 'packed',
    attestationSigner: await attestationSigner(ca, aaguid, [ca]),
  });

  describe('registration', () => {
    it('fmt none claiming an allow-listed AAGUID is refused: the claim proves nothing', async () => {
      const problem = expectProblem(
        await register('allow-yubikey', { aaguid: YUBIKEY, attestation: 'none' }),
        400,
        'AAGUID_NOT_ALLOWED',
      );
      expect(problem.detail).toMatch(/not proven by a trusted attestation/);
    });

    it('packed self attestation claiming that AAGUID is refused under TRUSTED and by the allow-list', async () => {
      const self = { aaguid: YUBIKEY, attestation: 'packed' } as const;
      expectProblem(await register('trusted', self), 400, 'ATTESTATION_NOT_TRUSTED');
      expectProblem(await register('allow-yubikey', self), 400, 'AAGUID_NOT_ALLOWED');
    });

    it('packed chained to the loaded root is accepted; the passkey shows what was proven', async () => {
      for (const policy of ['allow-yubikey', 'trusted', 'refuse-untrusted']) {
        const res = await register(policy, await chainedTo(attInt, YUBIKEY));
        expectStatus(res, 200);
        const outcome = res.json();
        const expected = {
          aaguid: YUBIKEY,
          attestationFormat: 'packed',
          attestationVerified: true,
          attestationTrusted: true,
          attestationRootSha256: createHash('sha256').update(attRoot.der).digest('hex'),
          attestationRootSubject: expect.stringContaining('CN=Test Attestation Root'),
          authenticatorName: 'Test YubiKey 5 Series',
          claimedAuthenticatorName: 'YubiKey 5 Series',
        };
        expect(outcome).toMatchObject(expected);
        const passkey = await call(
          t.app,
          'GET',
          `${w.storeUrl}/users/${outcome.userId}/passkeys/${outcome.passkeyId}`,
          { key: w.key },
        );
        expectStatus(passkey, 200);
        expect(passkey.json()).toMatchObject(expected);
      }
    });

    it('a chain through an end-entity certificate (not a CA) under the loaded root is not trusted', async () => {
      // someone holding an attestation leaf's key under the vendor's root issues a leaf of their
      // own, claiming any AAGUID: the path's names and signatures check out, its issuer is no CA
      const notCa = await makeLeaf(attInt, 'CN=An attestation leaf, O=Identity Store Tests');
      const forged = {
        aaguid: YUBIKEY,
        attestation: 'packed' as const,
        attestationSigner: await attestationSigner(notCa, YUBIKEY, [notCa, attInt]),
      };
      expectProblem(await register('trusted', forged), 400, 'ATTESTATION_NOT_TRUSTED');
      expectProblem(await register('allow-yubikey', forged), 400, 'AAGUID_NOT_ALLOWED');
    });

    it('a none attestation is recorded as unverified and unnamed', async () => {
      const res = await register('default', { aaguid: YUBIKEY });
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({
        attestationVerified: false,
        attestationTrusted: false,
        attestationRootSha256: null,
        authenticatorName: null,
        claimedAuthenticatorName: 'YubiKey 5 Series',
      });
    });

    it('packed chained to an unknown root: refused under TRUSTED or REFUSE, recorded untrusted under VERIFIED', async () => {
      const unknown = await chainedTo(otherInt, YUBIKEY);
      expectProblem(await register('trusted', unknown), 400, 'ATTESTATION_NOT_TRUSTED');
      expectProblem(await register('refuse-untrusted', unknown), 400, 'ATTESTATION_NOT_TRUSTED');
      expectProblem(await register('allow-yubikey', unknown), 400, 'AAGUID_NOT_ALLOWED');
      const res = await register('verified', unknown);
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({
        attestationVerified: true,
        attestationTrusted: false,
        attestationRootSha256: null,
        authenticatorName: null,
      });
    });

    it('VERIFIED refuses fmt none', async () => {
      expectProblem(await register('verified', {}), 400, 'ATTESTATION_NOT_TRUSTED');
    });

    it('a deny-listed AAGUID is refused, trusted or only claimed', async () => {
      expectProblem(
        await register('deny', await chainedTo(attInt, DENIED)),
        400,
        'AAGUID_NOT_ALLOWED',
      );
      expectProblem(await register('deny', { aaguid: DENIED }), 400, 'AAGUID_NOT_ALLOWED');
      expectStatus(await register('deny', await chainedTo(attInt, YUBIKEY)), 200);
    });

    it('a model whose latest status report is a compromise is refused', async () => {
      const chained = await chainedTo(attInt, COMPROMISED);
      expectProblem(await register('default', chained), 400, 'AUTHENTICATOR_COMPROMISED');
      expectProblem(await register('trusted', chained), 400, 'AUTHENTICATOR_COMPROMISED');
      expectProblem(
        await register('default', { aaguid: COMPROMISED }),
        400,
        'AUTHENTICATOR_COMPROMISED',
      );
    });
  });

  describe('authentication', () => {
    it('a passkey whose model is reported compromised after its registration no longer signs in (not counted)', async () => {
      const user = await w.newUser();
      const device = new SoftAuthenticator();
      await registerPasskey(t.app, w, device, user.id, 'default', {
        alg: -7,
        ...(await chainedTo(attInt, FALLEN)),
      });
      expectStatus(await authenticate(t.app, w, device, user.id), 200);
      fallen = true;
      const loaded = await loadBlob(
        await signBlob(
          { no: 100 + blobNo++, nextUpdate: dayFromNow(30), entries: entries() },
          mdsSigner,
          [mdsSigner, mdsInt],
        ),
      );
      expectStatus(loaded, 200);
      for (let i = 0; i < 6; i++) {
        const refused = expectProblem(
          await authenticate(t.app, w, device, user.id),
          400,
          'AUTHENTICATOR_COMPROMISED',
        );
        expect(refused.detail).toContain('USER_VERIFICATION_BYPASS');
      }
      // the model's fault, not the user's: six refusals moved no lock
      const after = await call(t.app, 'GET', `${w.storeUrl}/users/${user.id}`, { key: w.key });
      expect(after.json()).toMatchObject({ status: 'ACTIVE' });
    });
  });

  describe('loading metadata', () => {
    const blobOf = async (over: { nextUpdate?: string; no?: number } = {}) =>
      signBlob(
        {
          no: over.no ?? 1000 + blobNo++,
          nextUpdate: over.nextUpdate ?? dayFromNow(30),
          entries: entries(),
        },
        mdsSigner,
        [mdsSigner, mdsInt],
      );

    it('a BLOB with a bad signature is refused', async () => {
      const [header, payload, signature] = (await blobOf()).split('.');
      const forged = Buffer.from(payload, 'base64url')
        .toString()
        .replace('Test YubiKey', 'Evil Key');
      const problem = expectProblem(
        await loadBlob([header, Buffer.from(forged).toString('base64url'), signature].join('.')),
        400,
        'METADATA_INVALID',
      );
      expect(problem.detail).toMatch(/signature/);
    });

    it('a BLOB whose chain leads to another root is refused', async () => {
      const rogueRoot = await makeRoot('Rogue MDS Root');
      const rogue = await makeLeaf(rogueRoot, 'CN=mds.test, O=Tests, C=US');
      const blob = await signBlob(
        { no: 5000, nextUpdate: dayFromNow(30), entries: entries() },
        rogue,
      );
      const problem = expectProblem(await loadBlob(blob), 400, 'METADATA_INVALID');
      expect(problem.detail).toMatch(/MDS root/);
    });

    it('a BLOB whose nextUpdate has passed is refused', async () => {
      const problem = expectProblem(
        await loadBlob(await blobOf({ nextUpdate: dayFromNow(-1) })),
        400,
        'METADATA_INVALID',
      );
      expect(problem.detail).toMatch(/nextUpdate/);
    });

    it('a BLOB no newer than the loaded one is refused', async () => {
      expectProblem(await loadBlob(await blobOf({ no: 1 })), 400, 'METADATA_INVALID');
    });

    it('text that is not a JWT is refused', async () => {
      expectProblem(await loadBlob('not-a-jwt'), 400, 'METADATA_INVALID');
    });

    it('only a platform key may read or load metadata', async () => {
      const blob = await blobOf();
      expectProblem(
        await call(t.app, 'POST', `${METADATA}/blob`, { key: w.key, body: { blob } }),
        403,
        'PERMISSION_DENIED',
      );
      expectProblem(await call(t.app, 'GET', METADATA, { key: w.key }), 403, 'PERMISSION_DENIED');
      const status = await call(t.app, 'GET', METADATA, { key: PLATFORM_KEY });
      expectStatus(status, 200);
      expect(status.json()).toMatchObject({ blob: { entries: 4 } });
    });

    it('statements load one by one; an unusable one is a validation problem', async () => {
      const problem = expectProblem(
        await call(t.app, 'POST', `${METADATA}/statements`, {
          key: PLATFORM_KEY,
          body: {
            statements: [
              { ...statement(LATE, 'x', attRoot), attestationRootCertificates: ['AAAA'] },
            ],
          },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'statements[0]' })]);
    });

    it('two instances on one database see the same metadata', async () => {
      const second = await createTestApp({ database: t.database, config: mdsConfig() });
      try {
        // before: the model is unknown, so its chain proves nothing
        expectProblem(
          await register('trusted', await chainedTo(attInt, LATE)),
          400,
          'ATTESTATION_NOT_TRUSTED',
        );
        const loaded = await call(second.app, 'POST', `${METADATA}/statements`, {
          key: PLATFORM_KEY,
          body: { statements: [statement(LATE, 'Test Late Model', attRoot)] },
        });
        expectStatus(loaded, 200);
        const res = await register('trusted', await chainedTo(attInt, LATE));
        expectStatus(res, 200);
        expect(res.json()).toMatchObject({ authenticatorName: 'Test Late Model' });
      } finally {
        await second.close();
      }
    });

    it('a BLOB file named by IDS_MDS_BLOB_PATH is loaded at boot when newer', async () => {
      const path = join(tmpdir(), `mds-${process.pid}-${Date.now()}.jwt`);
      writeFileSync(path, await blobOf({ no: 9000 }));
      const booted = await createTestApp({
        database: t.database,
        config: { ...mdsConfig(), mdsBlobPath: path },
      });
      try {
        const status = await call(booted.app, 'GET', METADATA, { key: PLATFORM_KEY });
        expect(status.json()).toMatchObject({ blob: { no: 9000, entries: 4 } });
      } finally {
        await booted.close();
      }
    });
  });
});
