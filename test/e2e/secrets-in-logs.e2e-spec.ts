import { Writable } from 'node:stream';
import { call, expectStatus, issueToken, secretOf } from '../support/api';
import { registerPasskey } from '../support/ceremonies';
import { ORIGIN, passkeyWorld } from '../support/passkey-world';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { Client } from 'pg';
import { KeyEncryption } from '../../src/signing/key-encryption';
import { createTestApp, PLATFORM_KEY, TEST_KEK } from '../support/test-app';

/** Everything the app logs, as text. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('secrets never reach the logs', () => {
  it('a full flow at trace level logs no API key, token, nonce, transaction id or private signing key', async () => {
    const logs = capture();
    const t = await createTestApp({ config: { logLevel: 'trace' }, logDestination: logs.stream });
    const secrets: string[] = [PLATFORM_KEY];
    try {
      const w = await passkeyWorld(t.app);
      secrets.push(w.key, secretOf(w.key));
      const token = await issueToken(t.app, w.key);
      secrets.push(token, token.split('.')[2]);
      expectStatus(await call(t.app, 'GET', '/api/identity-store/limits', { token }), 200);
      // wrong credentials are not logged either
      const wrong = `${w.key.slice(0, -5)}AAAAA`;
      secrets.push(wrong);
      expect(
        (await call(t.app, 'GET', '/api/identity-store/limits', { key: wrong })).statusCode,
      ).toBe(401);

      const user = await w.newUser();
      const device = new SoftAuthenticator();
      await registerPasskey(t.app, w, device, user.id);
      const tx = await call(t.app, 'POST', `${w.rpUrl}/transactions/authenticate`, {
        key: w.key,
        body: { externalId: user.externalId },
      });
      const transactionId = tx.json().transactionId as string;
      secrets.push(transactionId, transactionId.slice(0, 8)); // not even a prefix
      const browser = (path: string, body: unknown = {}) =>
        call(t.app, 'POST', `/api/identity-store/browser/transactions/${transactionId}/${path}`, {
          body,
          headers: { origin: ORIGIN },
        });
      const started = await browser('start');
      const finished = await browser('finish', {
        clientResponse: device.authenticate(started.json().clientRequest, ORIGIN),
      });
      const nonce = finished.json().nonce as string;
      secrets.push(nonce, nonce.slice(0, 8));
      expectStatus(
        await call(t.app, 'POST', `${w.storeUrl}/passkeys/nonces/verify`, {
          key: w.key,
          body: { nonce },
        }),
        200,
      );
      expect(
        (
          await call(t.app, 'POST', `${w.storeUrl}/passkeys/nonces/verify`, {
            key: w.key,
            body: { nonce },
          })
        ).statusCode,
      ).toBe(409);
      expect((await browser('finish', { clientResponse: {} })).statusCode).toBe(409);
      // a spelling of the path the router reads as the same route (the id was logged: review)
      const spelled = await call(
        t.app,
        'POST',
        `/api/identity-store/browser/%74ransactions/${transactionId}/start`,
        { body: {}, headers: { origin: ORIGIN } },
      );
      expect(spelled.statusCode).toBe(409);

      // the private signing keys, sealed (as stored) and opened: in no log line either
      expectStatus(
        await call(t.app, 'POST', '/api/identity-store/signingKeys/rotate', {
          key: w.key,
          body: {},
        }),
        200,
      );
      await registerPasskey(t.app, w, device, (await w.newUser()).id);
      const db = new Client({ connectionString: t.database.url });
      await db.connect();
      try {
        const sealer = new KeyEncryption(TEST_KEK);
        const tenantKeys = await db.query(
          'SELECT tenant_id, kid, private_key_sealed FROM tenant_signing_keys WHERE tenant_id = $1',
          [w.tenant],
        );
        const platformKeys = await db.query('SELECT kid, private_key_sealed FROM signing_keys');
        expect(tenantKeys.rows).toHaveLength(2);
        for (const row of tenantKeys.rows) {
          const jwk = await sealer.open(
            row.private_key_sealed,
            `tenant_signing_keys/${row.tenant_id}/${row.kid}`,
          );
          secrets.push(row.private_key_sealed, row.private_key_sealed.split('.')[3], jwk.d!);
        }
        for (const row of platformKeys.rows) {
          const jwk = await sealer.open(row.private_key_sealed, `signing_keys/${row.kid}`);
          secrets.push(row.private_key_sealed, jwk.d!);
        }
      } finally {
        await db.end();
      }
    } finally {
      await t.close();
    }
    const text = logs.text();
    expect(text.length).toBeGreaterThan(10_000); // trace logging really was on
    expect(text).toContain('request completed');
    const leaked = secrets.filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
  });
});
