/**
 * Fuzzed input over every operation of the OpenAPI document: zero 5xx, and every error is
 * problem+json with a code. CI runs a sample; IDS_FUZZ_LONG=1 runs ≥ 10,000 requests.
 * Besides the random sample: a NUL in every path segment of every operation (with and without
 * an Origin, which the browser routes' CORS hook looks up), and client data that is JSON but
 * not an object on every completion and browser finish route.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'light-my-request';
import { buildOpenApiDocument } from '../../src/openapi/openapi';
import { tenantWithAdmin } from '../support/api';
import { completionRoutes } from '../support/completion-routes';
import { seedTenantResources } from '../support/isolation-fixtures';
import { brokenAnswer as broken } from '../support/problem';
import { createTestApp, TestApp } from '../support/test-app';

const LONG = process.env.IDS_FUZZ_LONG === '1';
const KINDS = 9;
const PER_OPERATION = LONG ? 150 : 2 * KINDS;

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATH_VALUES = [
  '..',
  '../../etc/passwd',
  '..%2F..%2Fadmin',
  '%00',
  'a%00b',
  '%ZZ',
  '%',
  'x'.repeat(3000),
  '💥',
  '%F0%9F%92%A5',
  '%C3%28', // bad UTF-8
  '%ED%A0%80', // a lone surrogate, CESU-8 encoded (not UTF-8)
  "'; DROP TABLE users; --",
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '*',
  'A'.repeat(43),
];

const VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  Number.MAX_VALUE,
  2 ** 53 + 1,
  1.5,
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x'.repeat(100_000),
  '💥'.repeat(100),
  '%%%not base64url%%%',
  '../..',
  [],
  [1, 2, 3],
  {},
  { nested: { deeper: true } },
  '<script>alert(1)</script>',
  '2026-13-45T99:99:99Z',
];

/** Lone UTF-16 surrogates: JSON.stringify writes them as `\ud800` escapes, as an attacker would. */
const LONE_SURROGATES: unknown[] = [
  '\ud800',
  'a\udc00b',
  'ok\udbff',
  ['\ud800'],
  { tier: '\udfff' },
  { '\ud800': 'key' },
];

/** The nearest a query string comes: fast-querystring keeps undecodable escapes verbatim. */
const LONE_SURROGATE_QUERIES = [
  'externalId=%ED%A0%80',
  'userName=a%ED%B0%80',
  'status=%ED%A0%80',
  'sort=%ED%A0%80',
];

/** JSON nested `depth` levels deep, built as text (JSON.stringify would overflow the stack). */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
}

type Op = { method: string; path: string; fields: string[] };

function operations(doc: OpenAPIObject): Op[] {
  const schemas = (doc.components?.schemas ?? {}) as Record<
    string,
    { properties?: Record<string, unknown> }
  >;
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item as Record<string, any>)) {
      const ref: string | undefined = raw.requestBody?.content?.['application/json']?.schema?.$ref;
      const fields = ref ? Object.keys(schemas[ref.split('/').pop()!]?.properties ?? {}) : [];
      ops.push({ method: method.toUpperCase(), path, fields });
    }
  }
  return ops;
}

describe('fuzzed input over every operation', () => {
  let t: TestApp;
  let key: string;
  let params: Record<string, string>;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    // the per-IP browser limit would answer 429 before the inputs reach anything
    t = await createTestApp({ config: { browserRateLimit: 1_000_000 } });
    const a = await tenantWithAdmin(t.app, 'fuzz');
    key = a.admin.key;
    params = (await seedTenantResources(t.app, a.tenant, key)).params;
    doc = buildOpenApiDocument(t.app);
  }, 60_000);
  afterAll(() => t.close());

  /** Resources of a tenant of its own: the random requests above delete some of theirs. */
  async function fresh(): Promise<{ key: string; params: Record<string, string> }> {
    const a = await tenantWithAdmin(t.app, 'fuzz');
    return {
      key: a.admin.key,
      params: (await seedTenantResources(t.app, a.tenant, a.admin.key)).params,
    };
  }

  it(
    `answers ${PER_OPERATION} malformed requests per operation with 4xx problem+json, never 5xx`,
    async () => {
      const random = prng(20261122);
      const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
      const failures: string[] = [];
      let sent = 0;

      for (const op of operations(doc)) {
        for (let i = 0; i < PER_OPERATION; i++) {
          const kind = i % KINDS;
          // path: mostly valid fixtures; one mutated parameter in some requests
          const names = op.path.match(/\{(\w+)\}/g) ?? [];
          const mutate = kind === 0 && names.length > 0 ? pick(names) : undefined;
          const url = op.path.replace(/\{(\w+)\}/g, (whole, name: string) =>
            whole === mutate ? pick(PATH_VALUES) : encodeURIComponent(params[name] ?? 'x'),
          );
          const headers: Record<string, string> = { 'x-api-key': key };
          let payload: string | Buffer | undefined;
          let query = '';
          switch (kind) {
            case 1: // wrong types in every documented field
              payload = JSON.stringify(Object.fromEntries(op.fields.map((f) => [f, pick(VALUES)])));
              break;
            case 2: // missing fields, extra fields
              payload = JSON.stringify(
                random() < 0.5 ? {} : { unexpected: pick(VALUES), __proto__x: 1 },
              );
              break;
            case 3: // deep nesting in a documented field (or the root)
              payload = op.fields.length
                ? `{${JSON.stringify(pick(op.fields))}:${deep(5000)}}`
                : deep(5000);
              break;
            case 4: // bad UTF-8 and malformed JSON
              payload =
                random() < 0.5
                  ? Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d])
                  : '{"a": [1, 2,';
              break;
            case 5: // oversized body
              payload = JSON.stringify({ [op.fields[0] ?? 'x']: 'y'.repeat(300_000) });
              break;
            case 6: // wrong content types
              headers['content-type'] = pick([
                'text/plain',
                'application/xml',
                'multipart/form-data; boundary=x',
                'application/json; charset=latin1',
                'application/x-www-form-urlencoded',
              ]);
              payload = 'a=1&b=<x/>';
              break;
            case 7: // query strings and headers
              query = `?${pick(['page=-1', 'size=abc', 'size=1000000', "sort=';drop", 'sort=createdAt,sideways', 'status=NOPE', 'from=yesterday', 'unknown=1', 'page=1e99'])}`;
              headers['x-tenant-id'] = pick(['', 'UPPER', '../x', 'a'.repeat(100), '*']);
              break;
            case 8: // lone surrogates in every documented field (or a key), and in the query
              payload = JSON.stringify(
                op.fields.length
                  ? Object.fromEntries(op.fields.map((f) => [f, pick(LONE_SURROGATES)]))
                  : { '\ud800': pick(LONE_SURROGATES) },
              );
              query = `?${pick(LONE_SURROGATE_QUERIES)}`;
              break;
            default: // kind 0: the mutated path, with a plausible body
              payload = op.method === 'GET' || op.method === 'DELETE' ? undefined : '{}';
          }
          if (payload !== undefined && !headers['content-type'])
            headers['content-type'] = 'application/json';
          const res = await t.app.inject({
            method: op.method as any,
            url: `${url}${query}`,
            headers,
            payload,
          });
          sent++;
          const fault = broken(res as unknown as Response, url);
          if (fault)
            failures.push(`${op.method} ${url.slice(0, 120)}${query} [kind ${kind}]: ${fault}`);
        }
      }
      console.log(
        `fuzz: ${sent} requests over ${operations(doc).length} operations, ${failures.length} failures`,
      );
      expect(failures.slice(0, 20)).toEqual([]);
    },
    LONG ? 600_000 : 120_000,
  );
  it('answers a NUL in every path segment of every operation, with and without Origin, with a 4xx problem', async () => {
    const { key, params } = await fresh();
    const failures: string[] = [];
    let sent = 0;
    for (const op of operations(doc)) {
      const url = op.path.replace(/\{(\w+)\}/g, (_whole, name: string) =>
        encodeURIComponent(params[name] ?? 'x'),
      );
      const segments = url.split('/');
      for (let i = 1; i < segments.length; i++) {
        const mutated = segments
          .map((segment, j) => (j === i ? `${segment}%00` : segment))
          .join('/');
        for (const origin of [undefined, 'http://localhost:8080']) {
          const res = await t.app.inject({
            method: op.method as never,
            url: mutated,
            headers: {
              'x-api-key': key,
              ...(origin ? { origin } : {}),
              ...(op.method === 'POST' ? { 'content-type': 'application/json' } : {}),
            },
            payload: op.method === 'POST' ? '{}' : undefined,
          });
          sent++;
          // no id, name or path holds a NUL: nothing may succeed either
          const fault =
            res.statusCode < 400
              ? `${res.statusCode} accepted`
              : broken(res as unknown as Response, mutated);
          if (fault)
            failures.push(`${op.method} ${mutated.slice(0, 160)} origin=${origin}: ${fault}`);
        }
      }
    }
    console.log(
      `fuzz: ${sent} requests with a NUL in one path segment, ${failures.length} failures`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
  }, 120_000);

  it('answers client data that is JSON but not an object on every completion and browser finish route with a 400 problem', async () => {
    const { key, params } = await fresh();
    const { routes, answer, complete } = await completionRoutes(t.app, key, params);
    // every operation that takes a clientResponse is covered above
    const completions = operations(doc)
      .filter((op) => op.fields.includes('clientResponse'))
      .map((op) => `${op.method} ${op.path}`);
    const covered = new Set(Object.keys(routes).map((name) => name.replace(/ \(.*\)$/, '')));
    expect(completions.filter((c) => !covered.has(c))).toEqual([]);

    const failures: string[] = [];
    for (const [name, open] of Object.entries(routes)) {
      for (const clientData of [null, 1, 'x', [], true]) {
        const ceremony = await open();
        const clientResponse = answer(ceremony);
        (clientResponse.response as { clientDataJSON: string }).clientDataJSON = Buffer.from(
          JSON.stringify(clientData),
        ).toString('base64url');
        const res = await complete(ceremony, clientResponse);
        // any 4xx problem will do (today VERIFICATION_FAILED); a success or a 5xx will not
        const fault =
          res.statusCode === 400
            ? broken(res, ceremony.url)
            : `${res.statusCode} ${res.body.slice(0, 160)}`;
        if (fault) failures.push(`${name} clientDataJSON=${JSON.stringify(clientData)}: ${fault}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
