import { Client } from 'pg';
import { call, expectStatus, issueToken, uniqueId } from '../support/api';
import { ORIGIN } from '../support/passkey-world';
import {
  createTestApp,
  createTestDatabase,
  PLATFORM_KEY,
  TestApp,
  TestDatabase,
} from '../support/test-app';

/** Runs `work` with stderr captured: what it printed, joined, is `printed()`. */
async function capturingStderr<T>(work: (printed: () => string) => Promise<T>): Promise<T> {
  const writes: string[] = [];
  const spy = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
  try {
    return await work(() => writes.join(''));
  } finally {
    spy.mockRestore();
  }
}

/** An app started without IDS_PLATFORM_API_KEY, and what it printed to stderr meanwhile. */
function startedPrinting(database?: TestDatabase): Promise<{ app: TestApp; printed: string }> {
  return capturingStderr(async (printed) => {
    const app = await createTestApp({ config: { platformApiKey: undefined }, database });
    return { app, printed: printed() };
  });
}

const GENERATED_KEY = /(idsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43})/;

describe('platform key', () => {
  it('is generated at the first start without IDS_PLATFORM_API_KEY, printed once, stored as a hash', async () => {
    const { app: first, printed } = await startedPrinting();
    try {
      const key = GENERATED_KEY.exec(printed)?.[1];
      expect(key).toBeDefined();
      expectStatus(await call(first.app, 'GET', '/api/identity-store/tenants', { key }), 200);

      // a second instance on the same database neither prints nor makes another
      const { app: second, printed: again } = await startedPrinting(first.database);
      expect(again).not.toContain('idsk_');
      expectStatus(await call(second.app, 'GET', '/api/identity-store/tenants', { key }), 200);
      await second.close();

      const db = new Client({ connectionString: first.database.url });
      await db.connect();
      const { rows } = await db.query(
        'SELECT permissions, tenant_id, secret_hash FROM api_keys WHERE is_platform',
      );
      await db.end();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ permissions: ['TNT#*#IdentityStore:*'], tenant_id: null });
      expect(JSON.stringify(rows)).not.toContain(key!.slice(38));
    } finally {
      await first.close();
    }
  });

  it('in production nothing is generated: a first start without IDS_PLATFORM_API_KEY refuses, a later one runs on the key there', async () => {
    const database = await createTestDatabase();
    try {
      await capturingStderr(async (printed) => {
        const production = { platformApiKey: undefined, nodeEnv: 'production' as const };
        await expect(createTestApp({ database, config: production })).rejects.toThrow(
          /IDS_PLATFORM_API_KEY is required for the first start in production/,
        );
        // a key with every permission is never written to a production log (found by review)
        expect(printed()).not.toContain('idsk_');
        const configured = await createTestApp({ database, config: { nodeEnv: 'production' } });
        await configured.close();
        const later = await createTestApp({ database, config: production });
        try {
          expectStatus(
            await call(later.app, 'GET', '/api/identity-store/tenants', { key: PLATFORM_KEY }),
            200,
          );
        } finally {
          await later.close();
        }
        expect(printed()).not.toContain('idsk_');
      });
    } finally {
      await database.drop();
    }
  });

  it('IDS_PLATFORM_API_KEY is honoured and replaced when it changes', async () => {
    const first = await createTestApp({
      config: { platformApiKey: 'first-platform-key-abcdefghijklmnopqrstuvwxyz' },
    });
    const url = '/api/identity-store/tenants';
    expectStatus(
      await call(first.app, 'GET', url, { key: 'first-platform-key-abcdefghijklmnopqrstuvwxyz' }),
      200,
    );
    // a bearer token of the first secret, still within its lifetime after the change
    const token = await issueToken(first.app, 'first-platform-key-abcdefghijklmnopqrstuvwxyz');
    expectStatus(await call(first.app, 'GET', url, { token }), 200);
    // and a step-up transaction it minted in a tenant (X-Tenant-Id)
    const platform = { key: 'first-platform-key-abcdefghijklmnopqrstuvwxyz' };
    const tenant = uniqueId('rot');
    const asTenant = (path: string, body: unknown) =>
      call(first.app, 'POST', `/api/identity-store/${path}`, {
        ...platform,
        headers: { 'x-tenant-id': tenant },
        body,
      });
    expectStatus(
      await call(first.app, 'POST', url, { ...platform, body: { id: tenant, name: 'R' } }),
      201,
    );
    expectStatus(await asTenant('stores', { name: 's' }), 201);
    const rp = 'stores/s/passkeys/relyingParties';
    expectStatus(await asTenant(rp, { rpId: 'localhost', name: 'L', origins: [ORIGIN] }), 201);
    expectStatus(await asTenant(`${rp}/localhost/registrationPolicies`, { name: 'default' }), 201);
    const minted = await asTenant(`${rp}/localhost/transactions/register`, {
      externalId: 'u1',
      passkeyDisplayName: 'Phone',
    });
    expectStatus(minted, 201);
    const start = (app: TestApp) =>
      call(
        app.app,
        'POST',
        `/api/identity-store/browser/transactions/${minted.json().transactionId}/start`,
        {
          body: {},
          headers: { origin: ORIGIN },
        },
      );
    expectStatus(await start(first), 200);
    await first.app.close();
    const second = await createTestApp({
      config: { platformApiKey: 'second-platform-key-abcdefghijklmnopqrstuvwxyz' },
      database: first.database,
    });
    try {
      expectStatus(
        await call(second.app, 'GET', url, {
          key: 'second-platform-key-abcdefghijklmnopqrstuvwxyz',
        }),
        200,
      );
      expect(
        (
          await call(second.app, 'GET', url, {
            key: 'first-platform-key-abcdefghijklmnopqrstuvwxyz',
          })
        ).statusCode,
      ).toBe(401);
      // the replaced secret's tokens end with it, and so do its transactions (found by review)
      expect((await call(second.app, 'GET', url, { token })).statusCode).toBe(401);
      expect((await start(second)).json()).toMatchObject({
        status: 404,
        code: 'TRANSACTION_NOT_FOUND',
      });
      const fresh = await issueToken(second.app, 'second-platform-key-abcdefghijklmnopqrstuvwxyz');
      expectStatus(await call(second.app, 'GET', url, { token: fresh }), 200);
    } finally {
      await second.close();
      await first.database.drop();
    }
  });

  it('setting IDS_PLATFORM_API_KEY after a generated key blocks the generated one (printed to a log, it is taken back)', async () => {
    const { app: first, printed } = await startedPrinting();
    const generated = GENERATED_KEY.exec(printed)?.[1];
    const url = '/api/identity-store/tenants';
    expectStatus(await call(first.app, 'GET', url, { key: generated }), 200);
    await first.app.close();
    const configured = 'configured-platform-key-abcdefghijklmnopqrstuvwxyz';
    const second = await createTestApp({
      config: { platformApiKey: configured },
      database: first.database,
    });
    try {
      expect((await call(second.app, 'GET', url, { key: generated })).statusCode).toBe(401);
      expectStatus(await call(second.app, 'GET', url, { key: configured }), 200);
    } finally {
      await second.close();
      await first.database.drop();
    }
  });
});
