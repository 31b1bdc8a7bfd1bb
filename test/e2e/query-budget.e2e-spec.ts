/**
 * Counts the SQL statements each ceremony step sends (BEGIN/COMMIT included: each is a round
 * trip). These are the budget the performance work starts from; the test fails if a change
 * adds statements, and prints the figures.
 */
import { Client } from 'pg';
import { call, expectStatus } from '../support/api';
import {
  authStartUrl,
  authSessionUrl,
  discoverableStartUrl,
  regSessionUrl,
  registerPasskey,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Measured 2026-11-22, completions 2026-11-26 (each step includes the API-key lookup, and a rate-limit lease when the
 * instance's slice of the key's budget ran out); lower them when a change saves a round trip,
 * never raise them silently. Registration start includes making the user's handle (first start).
 */
const BUDGET: Record<string, number> = {
  registrationStart: 4,
  registrationComplete: 3,
  authenticationStart: 2,
  authenticationComplete: 2,
  usernamelessStart: 2,
  usernamelessComplete: 2,
};

const statements: string[] = [];
const original = Client.prototype.query;

async function counted<T>(
  work: () => Promise<T>,
): Promise<{ result: T; count: number; sql: string[] }> {
  statements.length = 0;
  const result = await work();
  await new Promise((resolve) => setTimeout(resolve, 50)); // fire-and-forget writes (lastUsedAt)
  return { result, count: statements.length, sql: [...statements] };
}

describe('SQL statements per ceremony step', () => {
  let t: TestApp;
  let w: World;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      if (text) statements.push(text.replace(/\s+/g, ' ').slice(0, 120));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  });
  afterAll(async () => {
    Client.prototype.query = original;
    console.log(
      `\nSQL statements per step (incl. BEGIN/COMMIT):\n${JSON.stringify(figures, null, 2)}\n`,
    );
    await t.close();
  });

  it('stays within the budget for registration and authentication', async () => {
    const user = await w.newUser();
    const device = new SoftAuthenticator();
    // warm the lastUsedAt write of the key, so it does not land in a measured step
    await call(t.app, 'GET', '/api/identity-store/limits', { key: w.key });
    // and the tenant's result-token key (made on first use, then loaded once a minute per
    // instance): the budget is the steady state of a sign-in
    await registerPasskey(t.app, w, new SoftAuthenticator(), (await w.newUser()).id);

    const regStart = await counted(() => start(t.app, w.key, regStartUrl(w, user.id, 'default')));
    const response = device.register(regStart.result.clientRequest as never, w.origin);
    const regDone = await counted(() =>
      call(t.app, 'POST', regSessionUrl(w, regStart.result.sessionId), {
        key: w.key,
        body: { clientResponse: response },
      }),
    );
    expectStatus(regDone.result, 200);

    const authStart = await counted(() => start(t.app, w.key, authStartUrl(w, user.id, 'default')));
    const assertion = device.authenticate(authStart.result.clientRequest as never, w.origin);
    const authDone = await counted(() =>
      call(t.app, 'POST', authSessionUrl(w, authStart.result.sessionId), {
        key: w.key,
        body: { clientResponse: assertion },
      }),
    );
    expectStatus(authDone.result, 200);

    const discStart = await counted(() => start(t.app, w.key, discoverableStartUrl(w, 'default')));
    const discAssertion = device.authenticate(discStart.result.clientRequest as never, w.origin);
    const discDone = await counted(() =>
      call(t.app, 'POST', authSessionUrl(w, discStart.result.sessionId), {
        key: w.key,
        body: { clientResponse: discAssertion },
      }),
    );
    expectStatus(discDone.result, 200);

    Object.assign(figures, {
      registrationStart: regStart.count,
      registrationComplete: regDone.count,
      authenticationStart: authStart.count,
      authenticationComplete: authDone.count,
      usernamelessStart: discStart.count,
      usernamelessComplete: discDone.count,
    });
    if (process.env.IDS_PRINT_SQL)
      console.log(
        JSON.stringify(
          {
            regStart: regStart.sql,
            regDone: regDone.sql,
            authStart: authStart.sql,
            authDone: authDone.sql,
          },
          null,
          2,
        ),
      );
    const overBudget = Object.entries(figures).filter(([step, count]) => count > BUDGET[step]);
    expect(overBudget).toEqual([]);
  });
});
