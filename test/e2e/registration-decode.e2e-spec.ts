/**
 * A registration completion decodes the attestation object once, before its session is read
 * (the AAGUID it claims chooses the metadata read with the session). A malformed one must still
 * end the session FAILED with its audit event, and the §7.1 checks keep their order: the client
 * data is judged before authenticatorData is looked at.
 */
import { Client } from 'pg';
import { call } from '../support/api';
import { completeRegistration, regSessionUrl, regStartUrl, start } from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { cborEncode, SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

describe('registration completion: a malformed attestation object', () => {
  let t: TestApp;
  let w: World;
  let db: Client;
  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  /** Starts a registration and completes it with the device's response, reshaped by `forge`. */
  async function complete(
    forge: (attestationObject: string) => string,
    overrides: { challenge?: string } = {},
  ) {
    const user = await w.newUser();
    const started = await start(t.app, w.key, regStartUrl(w, user.id, 'default'));
    const response = new SoftAuthenticator().register(
      started.clientRequest as never,
      w.origin,
      overrides,
    );
    response.response.attestationObject = forge(response.response.attestationObject);
    const res = await completeRegistration(t.app, w, started.sessionId, response);
    return { res, sessionId: started.sessionId };
  }

  /** The session is FAILED with `code`, and its audit event says so. */
  async function expectRecordedFailure(sessionId: string, code: string) {
    const session = (await call(t.app, 'GET', regSessionUrl(w, sessionId), { key: w.key })).json();
    expect(session).toMatchObject({ status: 'FAILED', failure: { code } });
    const { rows } = await db.query(
      `SELECT details FROM audit_events
        WHERE tenant_id = $1 AND type = 'PASSKEY_REGISTRATION_FAILED' AND details->>'sessionId' = $2`,
      [w.tenant, sessionId],
    );
    expect(rows.map((r) => r.details.code)).toEqual([code]);
  }

  /** An attestation object whose authenticatorData is 10 bytes (it cannot be parsed). */
  const shortAuthData = () =>
    cborEncode(
      new Map<string, never>([
        ['fmt', 'none' as never],
        ['attStmt', new Map() as never],
        ['authData', new Uint8Array(10) as never],
      ]),
    ).toString('base64url');

  it('bytes that are not CBOR: VERIFICATION_FAILED, recorded on the session with its audit event', async () => {
    const { res, sessionId } = await complete(() => Buffer.alloc(64, 0xff).toString('base64url'));
    expectProblem(res, 400, 'VERIFICATION_FAILED');
    await expectRecordedFailure(sessionId, 'VERIFICATION_FAILED');
  });

  it('unparseable authenticatorData: VERIFICATION_FAILED, recorded', async () => {
    const { res, sessionId } = await complete(shortAuthData);
    expectProblem(res, 400, 'VERIFICATION_FAILED');
    expect(res.json().detail).toMatch(/authenticatorData is malformed/);
    await expectRecordedFailure(sessionId, 'VERIFICATION_FAILED');
  });

  it('a wrong challenge is named before unparseable authenticatorData (§7.1 order)', async () => {
    const { res, sessionId } = await complete(shortAuthData, {
      challenge: Buffer.from('another-challenge-entirely').toString('base64url'),
    });
    expectProblem(res, 400, 'CHALLENGE_MISMATCH');
    await expectRecordedFailure(sessionId, 'CHALLENGE_MISMATCH');
  });
});
