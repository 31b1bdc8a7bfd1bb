import { Writable } from 'node:stream';
import { call, expectStatus, issueToken, secretOf } from '../support/api';
import { registerPasskey } from '../support/ceremonies';
import { ORIGIN, passkeyWorld } from '../support/passkey-world';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, PLATFORM_KEY } from '../support/test-app';

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
  it('a full flow at trace level logs no API key, token, nonce or transaction id', async () => {
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
