import { ErrorCode } from './error-code';
import { DomainError, FieldError } from './domain-error';
import { statusOf } from './error-status';

/** RFC 9457 problem details, with our stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  /** RFC 9457 extension members (e.g. `signals`), never one of the members above. */
  [extension: string]: unknown;
}

export interface ProblemWithHeaders {
  problem: Problem;
  headers: Record<string, string>;
  /** An error nobody expected: log it loudly. */
  unexpected: boolean;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemType(code: ErrorCode): string {
  return `urn:identity-store:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

function titleOf(code: ErrorCode): string {
  const words = code.toLowerCase().split('_');
  words[0] = words[0].charAt(0).toUpperCase() + words[0].slice(1);
  return words.join(' ');
}

/** A problem for a code, with its status unless another is given. */
export function buildProblem(code: ErrorCode, detail: string, status = statusOf(code)): Problem {
  return { type: problemType(code), title: titleOf(code), status, detail, code };
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.MALFORMED_REQUEST,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.PERMISSION_DENIED,
  404: ErrorCode.ROUTE_NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  414: ErrorCode.MALFORMED_REQUEST,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
};

const DB_DOWN_CODES = new Set([
  'ECONNREFUSED',
  // DATABASE_URL's host name did not resolve (a DNS outage, a standby's name not yet published)
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  // read_only_sql_transaction: a write met a server that is (now) a standby during a failover;
  // the connection is dropped and the next one goes to the new primary (failover-client.ts)
  '25006',
]);

/**
 * PostgreSQL aborted one of two conflicting transactions: nothing was written, a retry succeeds
 * (or answers what the other one changed). A foreign key violation is one too: every write reads
 * the rows it refers to first (a 404 when one is missing), so the row went away in between — a
 * deletion that committed while this request ran (a sign-in start racing its user's deletion).
 */
const TRANSIENT_CONFLICT_CODES = new Set([
  '40P01', // deadlock_detected
  '40001', // serialization_failure
  '23503', // foreign_key_violation
]);

/** True when PostgreSQL gave up a statement because of a concurrent one (deadlock, serialization). */
export function isTransientConflict(error: unknown): boolean {
  for (let e = error as ErrorLike | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && TRANSIENT_CONFLICT_CODES.has(e.code)) return true;
    e = (e.driverError ?? (e as { cause?: unknown }).cause) as ErrorLike | undefined;
  }
  return false;
}

const RELEASED_RUNNER = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  driverError?: unknown;
  getStatus?: () => number;
  getResponse?: () => unknown;
}

/**
 * The errors raised before the request's statement reached PostgreSQL: no connection could be
 * made (refused, no such host, the pool's or the client's connect timeout, no acceptable host of
 * a multi-host URL, a server still starting) or a standby refused a write (its transaction is
 * rolled back). Every other lost connection (reset, terminated, a read timeout, a server shutting
 * down) may come after PostgreSQL committed: the request may have been carried out.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03',
  '08001',
  '08004',
  '25006',
]);
const NOT_SENT_MESSAGE =
  /^(timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/;

/**
 * True when the database could not be reached before anything of this statement was sent (see
 * NOT_SENT_CODES), and for the statements of a transaction whose connection was already lost
 * (TypeORM's released runner: the transaction was not committed).
 */
export function isNothingSent(error: unknown): boolean {
  for (let e = error as ErrorLike | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && NOT_SENT_CODES.has(e.code)) return true;
    if (RELEASED_RUNNER.has(String((e as { name?: unknown }).name))) return true;
    if (typeof e.message === 'string' && NOT_SENT_MESSAGE.test(e.message)) return true;
    e = (e.driverError ?? (e as { cause?: unknown }).cause) as ErrorLike | undefined;
  }
  return false;
}

/** True for the errors PostgreSQL or the pool raise when the database cannot be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as ErrorLike | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && DB_DOWN_CODES.has(e.code)) return true;
    // TypeORM releases a transaction's runner when its connection dies mid-transaction; the
    // runner's own calls and its EntityManager's `query` then throw one of these
    if (RELEASED_RUNNER.has(String((e as { name?: unknown }).name))) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|Query read timeout/i.test(
        message,
      )
    ) {
      return true;
    }
    e = (e.driverError ?? (e as { cause?: unknown }).cause) as ErrorLike | undefined;
  }
  return false;
}

const transientConflictDetail =
  'A concurrent change (e.g. a deletion) conflicted with this request; nothing was written: retry it';

/** A DomainError for a conflict the code detects itself (same meaning as a PostgreSQL deadlock). */
export function transientConflict(): DomainError {
  return new DomainError(ErrorCode.TRANSIENT_CONFLICT, transientConflictDetail, {
    headers: { 'retry-after': '1' },
  });
}

/** Turns anything thrown into a problem: known errors keep their meaning, the rest is a 500. */
export function toProblem(error: unknown): ProblemWithHeaders {
  if (error instanceof DomainError) {
    const problem: Problem = { ...error.extensions, ...buildProblem(error.code, error.detail) };
    if (error.errors) problem.errors = error.errors;
    return { problem, headers: error.headers ?? {}, unexpected: false };
  }
  const e = (error ?? {}) as ErrorLike;
  // Nest HttpException (router 404, framework-level rejections)
  if (typeof e.getStatus === 'function') {
    const status = e.getStatus();
    if (status < 500) {
      const code = STATUS_CODES[status] ?? ErrorCode.REQUEST_REJECTED;
      const detail =
        status === 404 ? 'No route matches this method and path' : messageOf(e, 'Request rejected');
      return { problem: buildProblem(code, detail, status), headers: {}, unexpected: false };
    }
  }
  // Errors raised before a handler runs (Nest wraps Fastify's parser errors as HttpException)
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = STATUS_CODES[e.statusCode] ?? ErrorCode.REQUEST_REJECTED;
    return {
      problem: buildProblem(code, messageOf(e, 'The request was rejected'), e.statusCode),
      headers: {},
      unexpected: false,
    };
  }
  if (isDatabaseUnavailable(error)) {
    // Retry-After says "nothing was done: send it again" (the typed client then retries a
    // write): only when the statement never reached PostgreSQL
    if (isNothingSent(error)) {
      return {
        problem: buildProblem(
          ErrorCode.DATABASE_UNAVAILABLE,
          'The database is unavailable and nothing was done; retry shortly',
        ),
        headers: { 'retry-after': '1' },
        unexpected: false,
      };
    }
    return {
      problem: buildProblem(
        ErrorCode.DATABASE_UNAVAILABLE,
        'The connection to the database was lost while this request ran: it may have been carried out. Read the result before sending a change again',
      ),
      headers: {},
      unexpected: false,
    };
  }
  if (isTransientConflict(error)) {
    return {
      problem: buildProblem(ErrorCode.TRANSIENT_CONFLICT, transientConflictDetail),
      headers: { 'retry-after': '1' },
      unexpected: false,
    };
  }
  return {
    problem: buildProblem(ErrorCode.INTERNAL_ERROR, 'An unexpected error occurred'),
    headers: {},
    unexpected: true,
  };
}

function messageOf(e: ErrorLike, fallback: string): string {
  const response = e.getResponse?.();
  if (response && typeof response === 'object' && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return typeof e.message === 'string' && e.message ? e.message : fallback;
}
