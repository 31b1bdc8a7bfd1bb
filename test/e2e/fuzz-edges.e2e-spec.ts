/**
 * Valid requests with one value at an edge, over every operation of the OpenAPI document: zero
 * 5xx, and every error is problem+json with a code (Passage's `{code, error}` under /passage/).
 *
 * fuzz.e2e-spec.ts sends malformed requests, which the validation refuses before they reach a
 * service. Here the rest of the body is valid (the document's examples for the required fields,
 * the fixtures' names where a field names one), so the one edge value goes as far as the
 * validation lets it: into the services and PostgreSQL, where a length or a number the
 * validation admits but a column cannot hold, or a date PostgreSQL cannot represent, would be a
 * 500. Each operation gets a tenant of its own, so a rename or a delete of one request does not
 * hide the fixtures from the next operation's requests.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { Response } from 'light-my-request';
import { buildOpenApiDocument } from '../../src/openapi/openapi';
import { tenantWithAdmin } from '../support/api';
import { completionRoutes } from '../support/completion-routes';
import { seedTenantResources } from '../support/isolation-fixtures';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';
import { brokenAnswer } from '../support/problem';

type Schema = Record<string, any>;

/** Strings of these lengths, in characters PostgreSQL counts as one and JavaScript as one or two. */
const LENGTHS = [1, 63, 64, 65, 127, 128, 129, 255, 256, 1024, 2048, 4096, 10_000];
const TEXTS = (length: number): string[] => [
  'a'.repeat(length),
  'é'.repeat(length),
  '😀'.repeat(Math.ceil(length / 2)),
];
const NUMBERS = [0, -1, 1, 2 ** 15, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1)];
const DATES = [
  '1970-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '-001000-01-01T00:00:00Z',
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-29T00:00:00Z',
];
/**
 * Every maximum length a validation rule of the app declares (`@MaxLength`, `@Length`), up to
 * 70,000 characters: a string of exactly that length passes the rule, one more is refused.
 */
let ruleLengths: number[] = [];

function declaredMaxLengths(): number[] {
  // class-validator keeps its rules in a map its typings do not show
  const rules = (
    getMetadataStorage() as unknown as {
      validationMetadatas: Map<unknown, Array<{ name?: string; constraints?: number[] }>>;
    }
  ).validationMetadatas;
  const lengths = new Set<number>();
  for (const list of rules.values()) {
    for (const rule of list) {
      const max =
        rule.name === 'maxLength'
          ? rule.constraints?.[0]
          : rule.name === 'isLength'
            ? rule.constraints?.[1]
            : undefined;
      if (typeof max === 'number' && max <= 70_000) lengths.add(max);
    }
  }
  return [...lengths].filter((length) => !LENGTHS.includes(length)).sort((a, b) => a - b);
}

const ARRAY_LENGTHS = [0, 1, 10, 11, 50, 51, 100, 101, 1000];
/** More requests than this are answered 2xx: fewer means the "valid" bodies stopped being valid. */
const ACCEPTED_AT_LEAST = 1_000;

function resolve(doc: OpenAPIObject, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref)
    return resolve(doc, (doc.components!.schemas as any)[schema.$ref.split('/').pop()]);
  if (schema.allOf?.length === 1)
    return { ...schema, ...resolve(doc, schema.allOf[0]), allOf: undefined };
  return schema;
}

/**
 * A valid value of a schema: its example, else one made from the schema. Objects get their
 * required properties only, so that an optional field that needs a setting of its own (a
 * challenge of the caller's) does not make every request of the operation invalid.
 */
function valid(doc: OpenAPIObject, raw: Schema | undefined, depth = 0): unknown {
  const schema = resolve(doc, raw);
  if (schema.properties && depth < 4) {
    const required = new Set<string>(schema.required ?? []);
    return Object.fromEntries(
      Object.entries(schema.properties as Record<string, Schema>)
        .filter(([k]) => required.has(k))
        .map(([k, v]) => [k, valid(doc, v, depth + 1)]),
    );
  }
  if (raw?.example !== undefined) return raw.example;
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time' ? new Date().toISOString() : 'a';
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [valid(doc, schema.items, depth + 1)];
    default:
      return {};
  }
}

/** The edge values of one field, from its type and its valid value (which is one of them). */
function edges(doc: OpenAPIObject, raw: Schema, example: unknown): unknown[] {
  const schema = resolve(doc, raw);
  const out: unknown[] = [null];
  if (example !== undefined) out.push(example);
  if (schema.enum) out.push(...schema.enum);
  const looksLikeDate = typeof example === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(example);
  if (looksLikeDate) out.push(...DATES);
  if (schema.type === 'string' || typeof example === 'string') {
    for (const length of LENGTHS) out.push(...TEXTS(length));
    for (const length of ruleLengths) {
      // U+FE0F: a character PostgreSQL counts and validator.js did not (a 500 found by review)
      out.push('a'.repeat(length), 'a'.repeat(length + 1), 'a\uFE0F'.repeat(length));
    }
    if (typeof example === 'string') {
      out.push(`${example}${'x'.repeat(300)}`, example.toUpperCase(), ` ${example} `);
    }
  }
  if (schema.type === 'integer' || schema.type === 'number' || typeof example === 'number') {
    out.push(...NUMBERS);
    if (schema.minimum !== undefined) out.push(schema.minimum, schema.minimum - 1);
    if (schema.maximum !== undefined) out.push(schema.maximum, schema.maximum + 1);
  }
  if (schema.type === 'array' || Array.isArray(example)) {
    const item = Array.isArray(example) && example.length ? example[0] : valid(doc, schema.items);
    for (const n of ARRAY_LENGTHS) out.push(Array.from({ length: n }, () => item));
    if (Array.isArray(example)) out.push([...example, ...example], [...example, null]);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    out.push({ k: null }, { k: 1 }, { k: { nested: 'v' } });
    for (const n of [0, 50, 51, 1000]) {
      out.push(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`])));
    }
    for (const length of [64, 65, 255, 256, 1024, 10_000]) {
      out.push({ ['k'.repeat(length)]: 'v' }, { k: 'v'.repeat(length) });
    }
  }
  return out;
}

/**
 * Every field of a body, as a path of property names (and `0` for the first item of an array of
 * objects), three properties deep, with its example and whether the document lets it be null.
 */
function fields(
  doc: OpenAPIObject,
  raw: Schema,
  prefix: string[] = [],
): Array<{ path: string[]; schema: Schema; example: unknown; nullable: boolean }> {
  const schema = resolve(doc, raw);
  const items = schema.type === 'array' ? resolve(doc, schema.items) : undefined;
  if (items?.properties) return fields(doc, items, [...prefix, '0']);
  const depth = prefix.filter((name) => name !== '0').length;
  if (!schema.properties || depth >= 3) return [];
  return Object.entries(schema.properties as Record<string, Schema>).flatMap(([name, child]) => [
    {
      path: [...prefix, name],
      schema: child,
      example: child.example ?? resolve(doc, child).example,
      nullable: child.nullable === true || resolve(doc, child).nullable === true,
    },
    ...fields(doc, child, [...prefix, name]),
  ]);
}

/** The body with `value` at `path`; a missing parent gets its own required properties. */
function withValue(
  doc: OpenAPIObject,
  root: Schema,
  body: unknown,
  path: string[],
  value: unknown,
): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let at = copy;
  let schema = resolve(doc, root);
  for (const name of path.slice(0, -1)) {
    schema = resolve(doc, name === '0' ? schema.items : schema.properties?.[name]);
    if (typeof at[name] !== 'object' || at[name] === null) at[name] = valid(doc, schema);
    at = at[name] as Record<string, unknown>;
  }
  at[path[path.length - 1]] = value;
  return copy;
}

/**
 * Fields whose valid value depends on the fixtures: names of existing resources, and a webhook
 * address the SSRF guard accepts (a public address; the test app sends nothing).
 */
function fixtureValue(
  field: string,
  operationPath: string,
  params: Record<string, string>,
): string | undefined {
  if (field === 'registrationPolicy') return params.regPolicyName;
  if (field === 'authenticationPolicy') return params.authPolicyName;
  if (field === 'url') return 'https://93.184.215.14/hook';
  // an authentication is for an existing user; a registration makes a new one (a unique id)
  if (
    operationPath.endsWith('/transactions/authenticate') &&
    ['externalId', 'external_id'].includes(field)
  )
    return params.userExtId;
  return undefined;
}

/** Nested fields that name a fixture: an imported passkey's relying party. */
function fillNested(value: unknown, params: Record<string, string>, tested: string, at = ''): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    if (key === 'rpId' && at && path !== tested)
      (value as Record<string, unknown>)[key] = params.rpId;
    else fillNested(child, params, tested, path);
  }
}

/** The path parameter an update's body can change, by the field that changes it. */
const RENAMES: Record<string, { param: string; field: string }> = Object.fromEntries(
  (
    [
      ['storeName', 'name'],
      ['userExtId', 'externalId'],
    ] as const
  ).map(([param, field]) => [param, { param, field }]),
);

/** The routes that complete a ceremony: the second test gives them real credential responses. */
const COMPLETIONS =
  /\/sessions\/\{sessionId\}$|\/browser\/transactions\/\{transactionId\}\/finish$/;

/** What a write could have written before it was refused, besides its own resource or list. */
const READS_AFTER: Record<string, string[]> = {
  // a new user is made before the transaction is minted
  '/api/identity-store/stores/{storeName}/passkeys/relyingParties/{rpId}/transactions/register': [
    '/api/identity-store/stores/{storeName}/users',
  ],
  '/passage/v1/apps/{appId}/transactions/register': ['/passage/v1/apps/{appId}/users'],
  // users and passkeys, in one batch
  '/api/identity-store/stores/{storeName}/passkeys/imports': [
    '/api/identity-store/stores/{storeName}/users',
    '/api/identity-store/stores/{storeName}/passkeys/exports',
  ],
  // the store counts its users
  '/api/identity-store/stores/{storeName}/users': ['/api/identity-store/stores/{storeName}'],
};

/**
 * Operations no edge value can make succeed here: they need what only a ceremony gives (a live
 * transaction or handshake, a nonce) or a signed metadata BLOB, or the fixtures' policy takes no
 * challenge of the caller's. They are still sent every edge value.
 */
const NEVER_ACCEPTED = [
  // a signed BLOB from the FIDO Metadata Service, statements with real root certificates
  'POST /api/identity-store/metadata/blob',
  'POST /api/identity-store/metadata/statements',
  // a nonce, minted only by a verified ceremony
  'POST /api/identity-store/stores/{storeName}/passkeys/nonces/verify',
  'POST /passage/v1/apps/{appId}/authenticate/verify',
  // a live transaction or handshake id
  'POST /passage/v1/apps/{appId}/register/transactions/webauthn/start',
  'POST /passage/v1/apps/{appId}/register/transactions/webauthn/finish',
  'POST /passage/v1/apps/{appId}/authenticate/transactions/webauthn/finish',
  // its one field is the user's external id: every edge value names no user
  'POST /passage/v1/apps/{appId}/transactions/authenticate',
];

/**
 * After a create answered 2xx, deletes what it made when the document can (the operation at
 * `{path}/{param}` with DELETE; the param's value is the answer's `name`, `rpId`, `appId` or `id`).
 */
function createdRemover(
  doc: OpenAPIObject,
  path: string,
):
  | ((
      res: Response,
      url: string,
      inject: (method: string, path: string) => Promise<Response>,
    ) => Promise<void>)
  | undefined {
  const depth = path.split('/').length + 1;
  const target = Object.keys(doc.paths).find(
    (p) =>
      p.startsWith(`${path}/{`) &&
      p.split('/').length === depth &&
      (doc.paths[p] as Record<string, unknown>).delete,
  );
  if (!target) return undefined;
  const parameter = target.match(/\{(\w+)\}$/)![1];
  const field = parameter.endsWith('Name')
    ? 'name'
    : ['rpId', 'appId'].includes(parameter)
      ? parameter
      : 'id';
  return async (res, url, inject) => {
    const made = (res.json() as Record<string, unknown>)[field];
    if (typeof made !== 'string') return;
    const deleted = await inject('DELETE', `${url}/${encodeURIComponent(made)}`);
    if (deleted.statusCode >= 300)
      throw new Error(`${target}: DELETE ${made}: ${deleted.statusCode}`);
  };
}

const PLATFORM_PATHS = /^\/api\/identity-store\/(tenants|platform|metadata)\b/;

/** Fields that name what a create makes: each request gets its own, so none is a conflict. */
const UNIQUE = new Set(['id', 'name', 'externalId', 'appId', 'rpId']);

function unique(field: string, example: unknown, n: number): unknown {
  if (typeof example !== 'string') return example;
  return field === 'rpId' ? `n${n}.${example}` : `${example}-${n}`;
}

/** The value under test left out: the control of a null. */
const OMITTED = Symbol('omitted');

function deleteAt(body: Record<string, unknown>, path: string[]): void {
  let at: unknown = body;
  for (const name of path.slice(0, -1)) at = (at as Record<string, unknown>)?.[name];
  if (typeof at === 'object' && at !== null)
    delete (at as Record<string, unknown>)[path[path.length - 1]];
}

/** The body of one request: the fixtures' values, unique names, then the value under test. */
function bodyFor(
  doc: OpenAPIObject,
  op: Operation,
  params: Record<string, string>,
  n: number,
  tested?: { path: string[]; value: unknown },
): unknown {
  let body = valid(doc, op.body) as Record<string, unknown>;
  const top = resolve(doc, op.body).properties ?? {};
  for (const field of Object.keys(top)) {
    if (tested && tested.path.length === 1 && tested.path[0] === field) continue;
    const fixture = fixtureValue(field, op.path, params);
    if (fixture !== undefined) body = { ...body, [field]: fixture };
    else if (UNIQUE.has(field) && field in body)
      body = { ...body, [field]: unique(field, body[field], n) };
  }
  const made = (
    tested ? withValue(doc, op.body!, body, tested.path, tested.value) : structuredClone(body)
  ) as Record<string, unknown>;
  if (tested?.value === OMITTED) deleteAt(made, tested.path);
  fillNested(made, params, tested?.path.join('.') ?? '');
  // the examples' permissions name the tenant `acme`: a key may only hold its own tenant's
  return JSON.parse(JSON.stringify(made).replaceAll('TNT#acme#', `TNT#${params.tenantId}#`));
}

interface Operation {
  method: string;
  path: string;
  body?: Schema;
  query: Array<{ name: string; schema: Schema }>;
}

function operations(doc: OpenAPIObject): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, any>).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      body: op.requestBody?.content?.['application/json']?.schema,
      query: (op.parameters ?? [])
        .filter((p: any) => p.in === 'query')
        .map((p: any) => ({
          name: p.name,
          schema: { ...p.schema, example: p.example ?? p.schema?.example },
        })),
    })),
  );
}

/** Where two texts part, with some context on each side. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const at = Math.max(0, i - 80);
  return `…${a.slice(at, i + 120)}… -> …${b.slice(at, i + 120)}…`;
}

/** Whether an answer refuses `path` as a null (problem+json's detail, Passage's error). */
function refusesNull(res: Response, path: string[]): boolean {
  if (res.statusCode !== 400) return false;
  const body = res.json() as { detail?: string; error?: string };
  const refusal = `${path.join('.')}: must not be null`;
  return [body.detail, body.error].some((text) => text?.includes(refusal));
}

/**
 * What is wrong with the answer to a null, against the same request with the field left out
 * (when there is one):
 * where the document allows null, it must be answered as the omission is (taken where that is
 * taken, never refused as a null); where it does not, it must be refused as a null whenever the
 * omission is taken, and never taken.
 */
function nullFault(
  res: Response,
  omitted: Response | undefined,
  tested: { path: string[]; nullable: boolean },
): string | undefined {
  const ok = (r?: Response) => r !== undefined && r.statusCode < 300;
  if (tested.nullable) {
    if (refusesNull(res, tested.path)) return 'a documented null refused';
    if (ok(omitted) && !ok(res))
      return `${res.statusCode} where the omission is ${omitted!.statusCode}`;
    return undefined;
  }
  if (ok(res)) return `${res.statusCode}: null taken`;
  if (ok(omitted) && !refusesNull(res, tested.path))
    return `${res.statusCode}, not refused as a null`;
  return undefined;
}

describe('valid requests with one value at an edge, over every operation', () => {
  let t: TestApp;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    t = await createTestApp({ config: { browserRateLimit: 1_000_000 } });
    doc = buildOpenApiDocument(t.app);
    ruleLengths = declaredMaxLengths();
    expect(ruleLengths.length).toBeGreaterThan(5);
  }, 60_000);
  afterAll(() => t.close());

  it('answers every edge value of every body field and query parameter with 2xx or a 4xx problem, never 5xx', async () => {
    const failures: string[] = [];
    const acceptedBy = new Map<string, number>();
    let sent = 0;
    let compared = 0;
    let n = 0;
    // the completion routes get real credential responses in the next test
    for (const op of operations(doc).filter((o) => !COMPLETIONS.test(o.path))) {
      const name = `${op.method} ${op.path}`;
      const cases: Array<{
        label: string;
        tested?: { path: string[]; value: unknown; nullable: boolean };
        query: string;
      }> = [];
      if (op.body) {
        // a status can end what the other fields need (an ARCHIVED key takes no change): last
        const bodyFields = fields(doc, op.body).sort(
          (a, b) => Number(a.path.at(-1) === 'status') - Number(b.path.at(-1) === 'status'),
        );
        for (const { path, schema, example, nullable } of bodyFields) {
          for (const value of edges(doc, schema, example)) {
            cases.push({
              label: `${path.join('.')}=${JSON.stringify(value)?.slice(0, 40)}`,
              tested: { path, value, nullable },
              query: '',
            });
          }
        }
      }
      for (const { name: parameter, schema } of op.query) {
        for (const value of edges(doc, schema, schema.example)) {
          if (value === null || typeof value === 'object') continue;
          cases.push({
            label: `?${parameter}=${String(value).slice(0, 40)}`,
            query: `?${parameter}=${encodeURIComponent(String(value))}`,
          });
        }
      }
      if (!cases.length) continue;
      acceptedBy.set(name, 0);
      const a = await tenantWithAdmin(t.app, 'edge');
      const { params } = await seedTenantResources(t.app, a.tenant, a.admin.key);
      const fill = (path: string) =>
        path.replace(/\{(\w+)\}/g, (_w, parameter: string) => {
          if (params[parameter] === undefined) throw new Error(`no fixture for {${parameter}}`);
          return encodeURIComponent(params[parameter]);
        });
      let url = fill(op.path);
      // an update that renames its resource moves it: later requests follow it
      const renamed = RENAMES[op.path.match(/\{(\w+)\}(\/ext)?$/)?.[1] ?? ''];
      // the platform's operations take the platform key; Passage's a bearer key
      const platform = PLATFORM_PATHS.test(op.path);
      const headers: Record<string, string> = op.path.startsWith('/passage/')
        ? { authorization: `Bearer ${a.admin.key}` }
        : { 'x-api-key': platform ? PLATFORM_KEY : a.admin.key };
      const inject = (method: string, target: string, body?: unknown) =>
        t.app.inject({
          method: method as never,
          url: target,
          headers: {
            ...headers,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          payload: body === undefined ? undefined : JSON.stringify(body),
        }) as unknown as Promise<Response>;
      // what a refused write must leave as it was: the resource it updates or the list it adds
      // to, and what else it could have written first (READS_AFTER)
      const reads =
        op.method === 'POST'
          ? [
              ...((doc.paths[op.path] as Record<string, unknown>).get ? [op.path] : []),
              ...(READS_AFTER[op.path] ?? []),
            ]
          : [];
      const readBack = async () => {
        const answers: string[] = [];
        for (const path of reads) {
          const res = await inject('GET', path === op.path ? url : fill(path));
          // the operation's own resource or list as a whole; what it could have written
          // elsewhere, by the ids it lists (rows made or removed, not their timestamps)
          const body =
            path === op.path
              ? res.body.replace(/"(requestId|lastUsedAt)":("[^"]*"|null)/g, '')
              : (res.body.match(/"id":"[^"]*"/g) ?? []).sort().join();
          answers.push(`${res.statusCode} ${body}`);
        }
        return answers.join('\n');
      };
      // a create whose resource can be deleted is: the tenant's limits stay far
      const remove = createdRemover(doc, op.path);
      let before = await readBack();
      const send = async (
        body: unknown,
        query: string,
        tested?: { path: string[]; value: unknown },
      ) => {
        const res = await inject(op.method, `${url}${query}`, body);
        sent++;
        if (res.statusCode < 300) {
          acceptedBy.set(name, acceptedBy.get(name)! + 1);
          const [field] = tested?.path ?? [];
          if (renamed && field === renamed.field && tested!.path.length === 1) {
            params[renamed.param] = String(tested!.value);
            url = fill(op.path);
          }
          if (remove) await remove(res, url, (method, path) => inject(method, path));
        }
        let fault = brokenAnswer(res, url);
        if (reads.length) {
          const after = await readBack();
          if (res.statusCode >= 400 && !fault && after !== before) {
            fault = `${res.statusCode}, yet it changed: ${firstDifference(before, after)}`;
          }
          if (res.statusCode >= 400) compared++;
          before = after;
        }
        return { res, fault };
      };
      for (const c of cases) {
        const body = op.body ? bodyFor(doc, op, params, n++, c.tested) : undefined;
        if (c.tested?.value === null) {
          const omitted = await send(
            bodyFor(doc, op, params, n++, { ...c.tested, value: OMITTED }),
            c.query,
          );
          if (omitted.fault) failures.push(`${name} ${c.label} (left out): ${omitted.fault}`);
          const { res, fault } = await send(body, c.query, c.tested);
          const wrong = fault ?? nullFault(res, omitted.res, c.tested);
          if (wrong) failures.push(`${name} ${c.label}: ${wrong}`);
          continue;
        }
        const { fault } = await send(body, c.query, c.tested);
        if (fault) failures.push(`${name} ${c.label}: ${fault}`);
      }
    }
    const accepted = [...acceptedBy.values()].reduce((sum, count) => sum + count, 0);
    const never = [...acceptedBy].filter(([, count]) => count === 0).map(([name]) => name);
    console.log(
      `edges: ${sent} requests over ${acceptedBy.size} operations, ${accepted} accepted, ` +
        `${compared} refused writes read back, ${failures.length} failures`,
    );
    expect(failures.slice(0, 30)).toEqual([]);
    // the valid bodies are valid: every operation took some, but those that need what no edge
    // value can bring (a live transaction, a nonce, a signed metadata BLOB)
    expect(never.sort()).toEqual([...NEVER_ACCEPTED].sort());
    expect(accepted).toBeGreaterThan(ACCEPTED_AT_LEAST);
    expect(compared).toBeGreaterThan(1_000);
  }, 600_000);

  it('answers a real credential response with one member at an edge, on every completion route, with 2xx or a 4xx problem', async () => {
    const a = await tenantWithAdmin(t.app, 'edge');
    const { params } = await seedTenantResources(t.app, a.tenant, a.admin.key);
    const ceremonies = await completionRoutes(t.app, a.admin.key, params);
    const schemas = {
      register: { $ref: '#/components/schemas/CompleteRegistrationDto' },
      authenticate: { $ref: '#/components/schemas/CompleteAuthenticationDto' },
    };
    const failures: string[] = [];
    let sent = 0;
    let registered = false;
    for (const [name, open] of Object.entries(ceremonies.routes)) {
      // the response as the device made it is answered 200: the edges start from a valid one
      const control = await open();
      const answered = await ceremonies.complete(control, ceremonies.answer(control));
      if (answered.statusCode !== 200) failures.push(`${name} unchanged: ${answered.statusCode}`);
      const schema = schemas[control.kind];
      for (const { path, schema: field, example, nullable } of fields(doc, schema)) {
        for (const value of edges(doc, field, example)) {
          // each passkey registered counts towards the user's cap
          sent++;
          if (registered) await ceremonies.newUser();
          const ceremony = await open();
          const body = withValue(
            doc,
            schema,
            { clientResponse: ceremonies.answer(ceremony) },
            path,
            value,
          ) as { clientResponse: unknown };
          const res = (await ceremonies.complete(ceremony, body.clientResponse)) as Response;
          registered = control.kind === 'register' && res.statusCode === 200;
          const fault =
            brokenAnswer(res, ceremony.url) ??
            (value === null ? nullFault(res, undefined, { path, nullable }) : undefined);
          if (fault) {
            failures.push(
              `${name} ${path.join('.')}=${JSON.stringify(value)?.slice(0, 40)}: ${fault}`,
            );
          }
        }
      }
    }
    console.log(
      `edges: ${sent} completions with one member at an edge, ${failures.length} failures`,
    );
    expect(failures.slice(0, 30)).toEqual([]);
  }, 600_000);
});
