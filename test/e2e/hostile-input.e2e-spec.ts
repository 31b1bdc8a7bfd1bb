/**
 * Input no route should ever see: lone UTF-16 surrogates in JSON, null where the document does
 * not allow it, and bytes Node's HTTP parser refuses before any route runs (tested over real
 * sockets: inject() bypasses the parser).
 */
import { Controller, Get, Module } from '@nestjs/common';
import type { Response as InjectResponse } from 'light-my-request';
import { connect } from 'node:net';
import openapi from '../../openapi/openapi.json';
import { Public } from '../../src/auth/public.decorator';
import { SERVED_METHODS } from '../../src/common/errors/client-error';
import { call, expectStatus, uniqueId } from '../support/api';
import {
  authStartUrl,
  completeAuthentication,
  registerPasskey,
  regStartUrl,
  start,
} from '../support/ceremonies';
import { passkeyWorld, World } from '../support/passkey-world';
import { BROWSER_FINISH_PATH, completionRoutes } from '../support/completion-routes';
import { seedTenantResources } from '../support/isolation-fixtures';
import { expectProblem } from '../support/problem';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

/** JSON text with `\ud800` escapes: JSON.stringify would escape the backslash itself. */
function jsonWithLoneSurrogate(body: Record<string, unknown>, marker = '<LONE>'): string {
  return JSON.stringify(body).replaceAll(marker, '\\ud800');
}

describe('values no field may carry', () => {
  let t: TestApp;
  let w: World;
  let user: { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    w = await passkeyWorld(t.app);
    user = await w.newUser();
  });
  afterAll(() => t.close());

  const post = (url: string, json: string, key = w.key): Promise<InjectResponse> =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: json,
    }) as unknown as Promise<InjectResponse>;

  function expectRefused(res: InjectResponse, field: string, keys = false): void {
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([
      {
        field,
        in: 'body',
        message: `${keys ? 'keys ' : ''}must not contain unpaired UTF-16 surrogates (\\uD800-\\uDFFF)`,
      },
    ]);
  }

  describe('lone UTF-16 surrogates', () => {
    it('in a user attribute (stored as PostgreSQL JSON) is a 400 naming the field', async () => {
      const res = await post(
        `${w.storeUrl}/users`,
        jsonWithLoneSurrogate({
          externalId: uniqueId('u'),
          userName: 'x',
          attributes: { tier: 'a<LONE>b' },
        }),
      );
      expectRefused(res, 'attributes.tier');
    });

    it('in the key of a user attribute is a 400', async () => {
      const res = await post(
        `${w.storeUrl}/users/${user.id}`,
        jsonWithLoneSurrogate({ attributes: { '<LONE>': 'v' } }),
      );
      expectRefused(res, 'attributes', true);
    });

    it('in an e-mail address (the validator throws on it) is a 400', async () => {
      const res = await post(
        `${w.storeUrl}/users`,
        jsonWithLoneSurrogate({
          externalId: uniqueId('u'),
          userName: 'x',
          email: 'jane<LONE>@example.com',
        }),
      );
      expectRefused(res, 'email');
    });

    it('in a user name is refused, not silently stored as U+FFFD', async () => {
      const res = await post(
        `${w.storeUrl}/users`,
        jsonWithLoneSurrogate({ externalId: uniqueId('u'), userName: 'jane<LONE>' }),
      );
      expectRefused(res, 'userName');
    });

    it('in a passkey displayName through its update route is a 400', async () => {
      const passkey = await registerPasskey(t.app, w, new SoftAuthenticator(), user.id);
      const url = `${w.storeUrl}/users/${user.id}/passkeys/${passkey.passkeyId}`;
      expectRefused(
        await post(url, jsonWithLoneSurrogate({ displayName: 'Phone <LONE>' })),
        'displayName',
      );
      // the passkey is unchanged and still answers
      const after = await call(t.app, 'GET', url, { key: w.key });
      expectStatus(after, 200);
      expect(after.json().displayName).not.toContain('\ufffd');
    });

    it('in a tenant name (its update is written into the audit details) is a 400', async () => {
      const res = await post(
        `/api/identity-store/tenants/${w.tenant}`,
        jsonWithLoneSurrogate({ name: 'Acme <LONE>' }),
        PLATFORM_KEY,
      );
      expectRefused(res, 'name');
    });

    it('a well-formed pair (an emoji) is still accepted', async () => {
      const res = await post(
        `${w.storeUrl}/users/${user.id}`,
        JSON.stringify({ displayName: 'Jane 💥', attributes: { mood: '💥' } }),
      );
      expectStatus(res, 200);
      expect(res.json()).toMatchObject({ displayName: 'Jane 💥', attributes: { mood: '💥' } });
    });
  });

  describe('lengths, counted as PostgreSQL counts them (code points)', () => {
    // validator.js left out every U+FE0F: 255 of these passed a 255 limit and met varchar(255)
    // as 510 characters, a 500 from the database (found by review)
    const selectors = 'a\uFE0F'.repeat(255);

    it('a user name of 510 code points is a 400, one of 255 with selectors is stored whole', async () => {
      const refused = await post(
        `${w.storeUrl}/users`,
        JSON.stringify({ externalId: uniqueId('u'), userName: selectors }),
      );
      expectProblem(refused, 400, 'VALIDATION_FAILED');
      expect(refused.json().errors).toEqual([
        {
          field: 'userName',
          in: 'body',
          message: 'userName must be shorter than or equal to 255 characters',
        },
      ]);
      const fits = 'a\uFE0F'.repeat(127) + 'a';
      const stored = await post(
        `${w.storeUrl}/users`,
        JSON.stringify({ externalId: uniqueId('u'), userName: fits }),
      );
      expectStatus(stored, 201);
      expect(stored.json().userName).toBe(fits);
    });

    it("a registration's passkeyDisplayName is refused at the start, not a 500 at the completion", async () => {
      const res = await post(
        regStartUrl(w, user.id, 'default'),
        JSON.stringify({ passkeyDisplayName: selectors }),
      );
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors!.map((e) => e.field)).toEqual(['passkeyDisplayName']);
    });
  });

  describe('keys every JavaScript object has (they were dropped, the request answered 2xx)', () => {
    it('in transactionData is a 400, and no transaction is made', async () => {
      const res = await post(
        `${w.rpUrl}/transactions/register`,
        JSON.stringify({
          externalId: uniqueId('u'),
          passkeyDisplayName: 'Phone',
          transactionData: { amount: '1', constructor: 'x' },
        }),
      );
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([
        {
          field: 'transactionData',
          in: 'body',
          message:
            'must not have the key "constructor": every JavaScript object has a member of that name',
        },
      ]);
    });

    it("in a user's attributes, nested, or at the top of the body", async () => {
      const url = `${w.storeUrl}/users/${user.id}`;
      for (const [body, field] of [
        [{ attributes: { toString: 'x', a: 'b' } }, 'attributes'],
        [{ displayName: 'J', hasOwnProperty: 'y' }, '(root)'],
      ] as const) {
        const res = await post(url, JSON.stringify(body));
        expect(expectProblem(res, 400, 'VALIDATION_FAILED').errors![0].field).toBe(field);
      }
      const after = await call(t.app, 'GET', url, { key: w.key });
      expect(after.json().attributes).not.toHaveProperty('a');
    });
  });

  describe('null values', () => {
    function expectNullRefused(res: InjectResponse, field: string): void {
      const body = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field, in: 'body', message: 'must not be null' }]);
    }

    it('in a field the document does not call nullable is a 400 naming it, and nothing is written', async () => {
      const user = await w.newUser({ displayName: 'Jane' });
      const url = `${w.storeUrl}/users/${user.id}`;
      // an optional field: @IsOptional skipped every rule for null, and PostgreSQL's NOT NULL
      // answered a 500
      expectNullRefused(
        await call(t.app, 'POST', url, {
          key: w.key,
          body: { userName: 'new', displayName: null },
        }),
        'displayName',
      );
      expect((await call(t.app, 'GET', url, { key: w.key })).json()).toMatchObject({
        userName: 'someone',
        displayName: 'Jane',
      });
      // a nested one
      const store = uniqueId('s');
      expectNullRefused(
        await call(t.app, 'POST', '/api/identity-store/stores', {
          key: w.key,
          body: { name: store, lockConfiguration: { maxFailedAttempts: null } },
        }),
        'lockConfiguration.maxFailedAttempts',
      );
      expectStatus(
        await call(t.app, 'GET', `/api/identity-store/stores/${store}`, { key: w.key }),
        404,
      );
      // a required one: the same answer
      expectNullRefused(
        await call(t.app, 'POST', `${w.storeUrl}/users`, {
          key: w.key,
          body: { externalId: null, userName: 'x' },
        }),
        'externalId',
      );
    });

    it('in a field the document calls nullable is that field\'s "none"', async () => {
      const url = `${w.rpUrl}/registrationPolicies/strict`;
      const res = await call(t.app, 'POST', url, {
        key: w.key,
        body: { authenticatorAttachment: null },
      });
      expectStatus(res, 200);
      expect(res.json().authenticatorAttachment).toBeNull();
      // a user's e-mail: an empty string is not an address, so null is the only way to remove it
      const user = await w.newUser({ email: 'jane@example.com' });
      const cleared = await call(t.app, 'POST', `${w.storeUrl}/users/${user.id}`, {
        key: w.key,
        body: { email: null },
      });
      expectStatus(cleared, 200);
      expect(cleared.json().email).toBeNull();
    });

    it('on the routes without a key (a step-up browser finish): refused where not nullable, read as absent where it is', async () => {
      const { params } = await seedTenantResources(t.app, w.tenant, w.key);
      const { routes, answer, complete } = await completionRoutes(t.app, w.key, params);
      const open = routes[`POST ${BROWSER_FINISH_PATH} (authenticate)`];
      // a member that may not be null: refused before anything is read; the ceremony stays open
      const ceremony = await open();
      const signed = answer(ceremony) as {
        authenticatorAttachment?: unknown;
        response: Record<string, unknown>;
      };
      const unsigned = { ...signed, response: { ...signed.response, signature: null } };
      expectNullRefused(await complete(ceremony, unsigned), 'clientResponse.response.signature');
      // the same ceremony, its optional members null: as absent
      signed.authenticatorAttachment = null;
      signed.response.userHandle = null;
      const finished = await complete(ceremony, signed);
      expectStatus(finished, 200);
      expect(finished.json().nonce).toEqual(expect.any(String));
    });

    it("in the optional members of a credential's JSON reads as absent, as browsers send them", async () => {
      const user = await w.newUser();
      const device = new SoftAuthenticator();
      await registerPasskey(t.app, w, device, user.id);
      const started = await start(t.app, w.key, authStartUrl(w, user.id, 'default'));
      const response = device.authenticate(started.clientRequest as never, w.origin) as {
        authenticatorAttachment?: unknown;
        response: { userHandle?: unknown };
      };
      response.authenticatorAttachment = null;
      response.response.userHandle = null;
      expectStatus(await completeAuthentication(t.app, w, started.sessionId, response), 200);
    });
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** the whole answer, for failure messages */
  text: string;
}

/** Writes raw bytes to the server and reads whatever comes back until the connection closes. */
function rawRequest(
  port: number,
  data: string | Buffer,
  options: { resetAfterWrite?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(data);
      if (options.resetAfterWrite) socket.resetAndDestroy();
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!options.resetAfterWrite && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        body: rest.join(''),
        text,
      });
    });
  });
}

function expectRawProblem(res: RawResponse, status: number, code: string): void {
  expect({ status: res.status, text: res.text }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
}

describe("requests Node's HTTP parser refuses (raw sockets)", () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => t.close());

  const HEALTH = 'GET /api/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n';

  it('a control character in a header value is a 400 MALFORMED_REQUEST problem', async () => {
    const res = await rawRequest(
      port,
      Buffer.concat([
        Buffer.from(`${HEALTH}X-Probe: a`),
        Buffer.from([0x01]),
        Buffer.from('b\r\n\r\n'),
      ]),
    );
    expectRawProblem(res, 400, 'MALFORMED_REQUEST');
    expect(JSON.parse(res.body).detail).toMatch(/Invalid header value char/);
  });

  it('Content-Length together with Transfer-Encoding is a 400 problem', async () => {
    const res = await rawRequest(
      port,
      'POST /api/identity-store/tenants HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expectRawProblem(res, 400, 'MALFORMED_REQUEST');
    expect(JSON.parse(res.body).detail).toMatch(/Content-Length/);
  });

  it('a method the parser does not know is a 405 problem with Allow', async () => {
    const res = await rawRequest(port, 'FROB /api/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expectRawProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD, POST, DELETE, OPTIONS');
  });

  it('Allow names every method of the OpenAPI document', () => {
    const documented = new Set(
      Object.values(openapi.paths).flatMap((item) =>
        Object.keys(item).map((method) => method.toUpperCase()),
      ),
    );
    expect([...documented].filter((m) => !SERVED_METHODS.includes(m as never))).toEqual([]);
  });

  it('a 40 KB header is a 431 HEADERS_TOO_LARGE problem', async () => {
    const res = await rawRequest(port, `${HEALTH}X-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expectRawProblem(res, 431, 'HEADERS_TOO_LARGE');
  });

  it('an HTTP/1.1 request without Host is a 400 problem (RFC 9112 §3.2)', async () => {
    const res = await rawRequest(
      port,
      'GET /api/health/live HTTP/1.1\r\nConnection: close\r\n\r\n',
    );
    expectRawProblem(res, 400, 'MALFORMED_REQUEST');
    expect(JSON.parse(res.body).detail).toMatch(/Host/);
    // HTTP/1.0 has no Host requirement
    const old = await rawRequest(port, 'GET /api/health/live HTTP/1.0\r\n\r\n');
    expect(old.status).toBe(200);
  });

  it('CONNECT is a 405 problem, not a silently dropped connection', async () => {
    const res = await rawRequest(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n');
    expectRawProblem(res, 405, 'METHOD_NOT_ALLOWED');
  });

  it('a caller that resets its connection mid-error does not disturb the server', async () => {
    for (let i = 0; i < 20; i++) {
      await rawRequest(port, 'FROB / HTTP/1.1\r\nHost: x\r\nX-A: \u0001\r\n\r\n', {
        resetAfterWrite: true,
      });
    }
    const res = await rawRequest(port, `${HEALTH}\r\n`);
    expect(res.status).toBe(200);
  });

  it("Fastify's own refusals over a socket are problem+json with x-request-id (the router's too)", async () => {
    const tenants =
      'POST /api/identity-store/tenants HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n';
    const cases: [string, number, string][] = [
      [
        'PROPFIND /api/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        404,
        'ROUTE_NOT_FOUND',
      ],
      [
        'TRACE /api/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        404,
        'ROUTE_NOT_FOUND',
      ],
      [
        'OPTIONS /api/identity-store/tenants HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        404,
        'ROUTE_NOT_FOUND',
      ],
      [
        'GET /api/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        400,
        'MALFORMED_REQUEST',
      ],
      [
        `${tenants}Content-Type: application/json\r\nContent-Length: 3\r\n\r\n{x}`,
        400,
        'MALFORMED_REQUEST',
      ],
      [
        `${tenants}Content-Type: application/json\r\nContent-Length: 0\r\n\r\n`,
        400,
        'MALFORMED_REQUEST',
      ],
      [
        `${tenants}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi`,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        `${tenants}Content-Type: application/json\r\nContent-Length: 9999999\r\n\r\n{`,
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [request, status, code] of cases) {
      expectRawProblem(await rawRequest(port, request), status, code);
    }
  });
});

/** A route that answers when the test says so: it keeps a connection busy while the app closes. */
let release: () => void = () => undefined;
let arrived: () => void = () => undefined;
@Public()
@Controller('probe/hold')
class HoldController {
  @Get()
  async hold(): Promise<{ held: true }> {
    arrived();
    await new Promise<void>((resolve) => (release = resolve));
    return { held: true };
  }
}
@Module({ controllers: [HoldController] })
class HoldModule {}

describe('a request arriving while the server shuts down', () => {
  it('is a 503 SHUTTING_DOWN problem with Retry-After, not plain JSON', async () => {
    const t = await createTestApp({ modules: [HoldModule] });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const held = new Promise<void>((resolve) => (arrived = resolve));
    socket.write('GET /api/probe/hold HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await held;
    // the connection is busy, so closing keeps it; the next request on it meets a closing server
    const closing = t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('GET /api/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await closed;
    await closing;
    const text = Buffer.concat(chunks).toString('utf8');
    const second = text.slice(text.indexOf('HTTP/1.1', 10));
    const [head, body] = second.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503/);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(head).toMatch(/retry-after: 1/i);
    expect(JSON.parse(body)).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
  });
});
