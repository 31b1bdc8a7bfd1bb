import { STATUS_CODES } from 'node:http';
import { ApiExtension, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code';
import { statusOf } from '../common/errors/error-status';

/** Operation extensions that carry a route's own codes until `describeFailures` runs. */
const FAILS = 'x-fails-';
let declarations = 0;

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_SCHEMA = '#/components/schemas/ProblemDto';
const RESPONSES = '#/components/responses/';

/**
 * The codes a route answers besides the ones every route of its kind answers (those come from
 * `@RequirePermission`, `@RateLimited` and the rules in `codesOf`). The document lists each under
 * its status (`statusOf`); the e2e suites fail when a route answers a code its operation does not
 * list (test/setup/documented-codes.ts). Repeatable, on a handler or a controller: lists merge.
 */
export function Fails(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  // one extension per use: @nestjs/swagger keeps the first value of a repeated key
  return ApiExtension(`${FAILS}${++declarations}`, codes);
}

/** What any route can answer: a bug (500), an unreachable database, a shutdown, a deadlock. */
const ANY_ROUTE = [
  ErrorCode.MALFORMED_REQUEST, // no Host header, a forwarded address that is not an IP
  ErrorCode.INTERNAL_ERROR,
  ErrorCode.DATABASE_UNAVAILABLE,
  ErrorCode.SHUTTING_DOWN,
  ErrorCode.TRANSIENT_CONFLICT,
];

/** What a method that takes a body answers before its handler runs, whether it expects one or not. */
const BODY_PARSING = [
  ErrorCode.MALFORMED_REQUEST,
  ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  ErrorCode.PAYLOAD_TOO_LARGE,
];
const WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/** Codes answered before any route is chosen: in the document's description, not per operation. */
export const BEFORE_ANY_ROUTE = [
  ErrorCode.MALFORMED_REQUEST,
  ErrorCode.ROUTE_NOT_FOUND,
  ErrorCode.METHOD_NOT_ALLOWED,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.HEADERS_TOO_LARGE,
];

interface OperationLike {
  operationId?: string;
  summary?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, ResponseLike>;
  [extension: `x-${string}`]: unknown;
}

interface ResponseLike {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: unknown }>;
  [extension: `x-${string}`]: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every operation of the document, with its method and path. */
export function operationsOf(
  document: Pick<OpenAPIObject, 'paths'>,
): { method: string; path: string; operation: OperationLike }[] {
  const list: { method: string; path: string; operation: OperationLike }[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, OperationLike | undefined>)[method];
      if (operation) list.push({ method, path, operation });
    }
  }
  return list;
}

/** All the codes an operation can answer: its own (`@Fails`, the access decorators) and the rules. */
function codesOf(method: string, operation: OperationLike): ErrorCode[] {
  const codes = new Set<ErrorCode>(ANY_ROUTE);
  for (const key of Object.keys(operation)) {
    if (key.startsWith(FAILS)) (operation[key as `x-${string}`] as ErrorCode[]).forEach((c) => codes.add(c));
  }
  if (operation.parameters?.length || operation.requestBody) codes.add(ErrorCode.VALIDATION_FAILED);
  if (WITH_BODY.has(method)) BODY_PARSING.forEach((code) => codes.add(code));
  return [...codes];
}

/**
 * Writes every failure of every operation into the document: one response per status (from
 * `statusOf`), `application/problem+json` with the problem schema whose `code` is narrowed to the
 * codes that status carries there. Also gives each success response a description.
 */
export function describeFailures(document: OpenAPIObject): void {
  const shared = sharedResponses();
  const used = new Set<string>();
  for (const { method, operation } of operationsOf(document)) {
    const body = operation[ERROR_BODY] as ErrorBody | undefined;
    delete operation[ERROR_BODY];
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codesOf(method, operation)) {
      const status = body ? body.codes[code].status : statusOf(code);
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const key of Object.keys(operation)) {
      if (key.startsWith(FAILS)) delete operation[key as `x-${string}`];
    }
    for (const status of Object.keys(operation.responses)) {
      if (Number(status) >= 400) delete operation.responses[status];
    }
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      if (body) {
        operation.responses[String(status)] = shapedResponse(status, codes.sort(), body);
        continue;
      }
      const name = shared.names.get(`${status} ${codes.sort().join(' ')}`);
      if (name) used.add(name);
      operation.responses[String(status)] = name
        ? { $ref: `${RESPONSES}${name}` }
        : problemResponse(status, codes);
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) < 300 && !response.description) {
        response.description = `${STATUS_CODES[Number(status)]}: ${lowerFirst(operation.summary ?? '')}`;
      }
    }
  }
  const components = (document.components ??= {});
  const responses = { ...components.responses } as Record<string, ResponseLike>;
  for (const name of [...used].sort()) responses[name] = shared.responses[name];
  components.responses = responses as NonNullable<OpenAPIObject['components']>['responses'];
}

/**
 * An operation whose errors leave in another body than problem+json (`shapeProblemsUnder`): the
 * component schema of that body, and each of our codes with the status and code it answers there.
 */
export interface ErrorBody {
  schema: string;
  codes: Record<string, { status: number; code: string }>;
}
const ERROR_BODY = 'x-error-body';
/** On a shaped response: our codes behind it (what the undocumented-code check reads). */
const IDS_CODES = 'x-ids-codes';

/** Errors of the operation (or controller) in another body: see `ErrorBody`. */
export function ErrorsShapedAs(body: ErrorBody): MethodDecorator & ClassDecorator {
  return ApiExtension(ERROR_BODY, body);
}

function shapedResponse(status: number, codes: ErrorCode[], body: ErrorBody): ResponseLike {
  const theirs = [...new Set(codes.map((c) => body.codes[c].code))].sort();
  return {
    description: `${STATUS_CODES[status]}. \`code\`: ${theirs.map((c) => `\`${c}\``).join(', ')}`,
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: `#/components/schemas/${body.schema}` },
            {
              type: 'object',
              required: ['code'],
              properties: { code: { type: 'string', enum: theirs } },
            },
          ],
        },
      },
    },
    [IDS_CODES]: codes,
  };
}

/**
 * The problem responses most operations share, as components: one code alone (named after it)
 * and the 503s every operation answers.
 */
function sharedResponses(): { names: Map<string, string>; responses: Record<string, ResponseLike> } {
  const names = new Map<string, string>();
  const responses: Record<string, ResponseLike> = {};
  const add = (name: string, codes: ErrorCode[]): void => {
    const status = statusOf(codes[0]);
    names.set(`${status} ${[...codes].sort().join(' ')}`, name);
    responses[name] = problemResponse(status, [...codes].sort());
  };
  for (const code of Object.values(ErrorCode)) add(pascalCase(code), [code]);
  const unavailable = ANY_ROUTE.filter((code) => statusOf(code) === 503);
  add('ServiceUnavailable', unavailable);
  return { names, responses };
}

function pascalCase(code: string): string {
  return code.toLowerCase().replace(/(^|_)(\w)/g, (_m, _s, c: string) => c.toUpperCase());
}

function problemResponse(status: number, codes: ErrorCode[]): ResponseLike {
  return {
    description: `${STATUS_CODES[status]}. \`code\`: ${codes.map((c) => `\`${c}\``).join(', ')}`,
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: {
          allOf: [
            { $ref: PROBLEM_SCHEMA },
            {
              type: 'object',
              required: ['code'],
              properties: { code: { type: 'string', enum: codes } },
            },
          ],
        },
      },
    },
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The codes the document lists for an operation, read back from its problem responses: what the
 * "undocumented code" check compares the codes the suites saw against.
 */
export function documentedCodes(
  operation: OperationLike,
  document: Pick<OpenAPIObject, 'components'>,
): Set<string> {
  const codes = new Set<string>();
  const shared = (document.components?.responses ?? {}) as Record<string, ResponseLike>;
  for (const listed of Object.values(operation.responses)) {
    const response = listed.$ref ? shared[listed.$ref.slice(RESPONSES.length)] : listed;
    const schema = response.content?.[PROBLEM_MEDIA_TYPE]?.schema as
      | { allOf?: { properties?: { code?: { enum?: string[] } } }[] }
      | undefined;
    for (const part of schema?.allOf ?? []) part.properties?.code?.enum?.forEach((c) => codes.add(c));
    (response[IDS_CODES] as string[] | undefined)?.forEach((c) => codes.add(c));
  }
  return codes;
}
