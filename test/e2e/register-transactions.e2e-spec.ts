import { call, expectStatus } from '../support/api';
import { registerPasskey } from '../support/ceremonies';
import { ORIGIN, passkeyWorld, World } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

const BROWSER = '/api/identity-store/browser';

/**
 * A register transaction signs up a NEW user unless the integrator deliberately allows an
 * existing one (`allowExistingUser: true`): a sign-up with a taken name must never hand a
 * stranger a passkey on someone else's account.
 */
describe('register transactions: an existing user only by deliberate choice', () => {
  let t: TestApp;
  let w: World;
  const mint = (body: Record<string, unknown>, world = w) =>
    call(t.app, 'POST', `${world.rpUrl}/transactions/register`, { key: world.key, body });
  const passkeysOf = async (externalId: string) =>
    (
      await call(t.app, 'GET', `${w.storeUrl}/users/${externalId}/passkeys/ext`, { key: w.key })
    ).json().content as { id: string }[];

  /** The browser's half with the software authenticator, then the backend redeems the nonce. */
  async function complete(transactionId: string, device: SoftAuthenticator) {
    const browser = (path: string, body: unknown = {}) =>
      call(t.app, 'POST', `${BROWSER}/${path}`, { body, headers: { origin: ORIGIN } });
    const started = await browser(`transactions/${transactionId}/start`);
    expectStatus(started, 200);
    const clientResponse = device.register(started.json().clientRequest, ORIGIN);
    const finished = await browser(`transactions/${transactionId}/finish`, { clientResponse });
    expectStatus(finished, 200);
    const verified = await call(t.app, 'POST', `${w.storeUrl}/passkeys/nonces/verify`, {
      key: w.key,
      body: { nonce: finished.json().nonce },
    });
    expectStatus(verified, 200);
    return verified.json();
  }

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1000 } });
    w = await passkeyWorld(t.app);
  });
  afterAll(() => t.close());

  it('refuses a register transaction for an existing externalId without allowExistingUser (409 USER_ALREADY_EXISTS)', async () => {
    const victim = await w.newUser();
    await registerPasskey(t.app, w, new SoftAuthenticator(), victim.id);
    for (const body of [
      { externalId: victim.externalId, passkeyDisplayName: 'Attacker' },
      { externalId: victim.externalId, passkeyDisplayName: 'Attacker', allowExistingUser: false },
    ]) {
      const problem = expectProblem(await mint(body), 409, 'USER_ALREADY_EXISTS');
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'externalId' })]);
    }
    expect(await passkeysOf(victim.externalId)).toHaveLength(1);
  });

  it('allows it with allowExistingUser: true, and the passkey lands on that same user', async () => {
    const user = await w.newUser();
    const first = await registerPasskey(t.app, w, new SoftAuthenticator(), user.id);
    const res = await mint({
      externalId: user.externalId,
      passkeyDisplayName: 'Second device',
      allowExistingUser: true,
    });
    expectStatus(res, 201);
    const verified = await complete(res.json().transactionId, new SoftAuthenticator());
    expect(verified).toMatchObject({ userId: user.id, externalId: user.externalId });
    expect((await passkeysOf(user.externalId)).map((p) => p.id).sort()).toEqual(
      [first.passkeyId, verified.passkeyId].sort(),
    );
  });

  it('still creates a new user without the flag (sign-up)', async () => {
    const res = await mint({ externalId: 'brand-new', passkeyDisplayName: 'Phone' });
    expectStatus(res, 201);
    const verified = await complete(res.json().transactionId, new SoftAuthenticator());
    expect(verified).toMatchObject({ externalId: 'brand-new', kind: 'register' });
    // once signed up, a second sign-up with the same name is refused
    expectProblem(
      await mint({ externalId: 'brand-new', passkeyDisplayName: 'Again' }),
      409,
      'USER_ALREADY_EXISTS',
    );
  });

  it('concurrent sign-ups with one name: one user is created, every other is USER_ALREADY_EXISTS', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => mint({ externalId: 'race-name', passkeyDisplayName: 'x' })),
    );
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of answers.filter((a) => a.statusCode === 409)) {
      expect(r.json().code).toBe('USER_ALREADY_EXISTS');
    }
  });

  it('concurrent transactions for one new name with allowExistingUser: one user is created and every request gets a transaction for it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        mint({ externalId: 'race-existing', passkeyDisplayName: 'x', allowExistingUser: true }),
      ),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    const users = await call(t.app, 'GET', `${w.storeUrl}/users?externalId=race-existing`, {
      key: w.key,
    });
    expect(users.json().content).toHaveLength(1);
  });

  it('allowExistingUser must be a JSON boolean', async () => {
    const user = await w.newUser();
    for (const allowExistingUser of ['true', 1, 'yes']) {
      expectProblem(
        await mint({ externalId: user.externalId, passkeyDisplayName: 'x', allowExistingUser }),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  it("another tenant's user of the same externalId does not count as existing", async () => {
    const other = await passkeyWorld(t.app);
    const user = await w.newUser();
    expectStatus(await mint({ externalId: user.externalId, passkeyDisplayName: 'x' }, other), 201);
  });
});
