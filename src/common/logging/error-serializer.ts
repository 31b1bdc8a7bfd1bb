/**
 * pino's `err` serializer. Errors are logged with their own fields, except what may carry user
 * data or secrets:
 * - a database error (TypeORM's QueryFailedError, node-postgres' DatabaseError) keeps its
 *   statement text, SQLSTATE code, constraint, table and column; never its parameters, its
 *   `detail` ("Key (email)=(jane@example.com) already exists"), its `where` context (which
 *   quotes JSON input) or the values quoted in its message (`invalid input syntax for type
 *   uuid: "…"`);
 * - a client error of Node's HTTP parser never keeps its `rawPacket` (the caller's headers).
 */

/** What a database error may keep besides its type, message and stack. */
const DATABASE_FIELDS = [
  'code',
  'severity',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'routine',
  'position',
  'hint',
] as const;

/** Fields no error keeps, whatever it is. */
const NEVER = new Set(['parameters', 'rawPacket']);

const MAX_DEPTH = 5;

type ErrorLike = Error & Record<string, unknown>;

function isErrorLike(value: unknown): value is ErrorLike {
  return (
    value instanceof Error ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { message?: unknown }).message === 'string' &&
      typeof (value as { stack?: unknown }).stack === 'string')
  );
}

function isDatabaseError(error: ErrorLike): boolean {
  return (
    'driverError' in error ||
    'parameters' in error ||
    (typeof error.code === 'string' &&
      /^[0-9A-Z]{5}$/.test(error.code) &&
      typeof error.severity === 'string')
  );
}

/** The statement's text: TypeORM keeps a string, or the `{ name, text, values }` it was given. */
function statementOf(query: unknown): string | undefined {
  if (typeof query === 'string') return query;
  if (typeof query === 'object' && query !== null) {
    const text = (query as { text?: unknown }).text;
    if (typeof text === 'string') return text;
  }
  return undefined;
}

/** Quoted fragments of a message are values, unless they name the constraint, table or column. */
function withoutValues(message: string, error: ErrorLike): string {
  const names = new Set(
    ['constraint', 'table', 'column', 'schema', 'dataType'].map((f) => error[f]),
  );
  return message.replace(/"([^"]*)"/g, (quoted, inner: string) =>
    names.has(inner) ? quoted : '"[REDACTED]"',
  );
}

function typeOf(error: ErrorLike): string {
  return typeof error.constructor === 'function' && error.constructor.name
    ? error.constructor.name
    : String(error.name);
}

function serialize(error: ErrorLike, depth: number, seen: Set<unknown>): Record<string, unknown> {
  seen.add(error);
  const nested = (value: unknown): unknown =>
    !isErrorLike(value)
      ? value
      : seen.has(value) || depth >= MAX_DEPTH
        ? '[error omitted]'
        : serialize(value, depth + 1, seen);

  if (isDatabaseError(error)) {
    const message = withoutValues(error.message, error);
    const out: Record<string, unknown> = {
      type: typeOf(error),
      message,
      stack: error.stack?.split(error.message).join(message),
    };
    for (const field of DATABASE_FIELDS) {
      if (error[field] !== undefined && error[field] !== null) out[field] = error[field];
    }
    const statement = statementOf(error.query);
    if (statement !== undefined) out.query = statement;
    return out;
  }

  const out: Record<string, unknown> = {
    type: typeOf(error),
    message: error.message,
    stack: error.stack,
  };
  for (const [key, value] of Object.entries(error)) {
    if (!NEVER.has(key) && !(key in out)) out[key] = nested(value);
  }
  if (error.cause !== undefined) out.cause = nested(error.cause);
  if (Array.isArray(error.errors)) out.aggregateErrors = error.errors.map(nested);
  return out;
}

export function serializeError(value: unknown): unknown {
  return isErrorLike(value) ? serialize(value, 0, new Set()) : value;
}

/**
 * pino's `logMethod` hook: an Error logged on its own (`logger.error(error)`) would have its raw
 * message copied into `msg`; it is logged as `{ err }` with the serialized message instead.
 */
export function logMethodHook(
  this: unknown,
  args: unknown[],
  method: (...args: unknown[]) => void,
): void {
  if (isErrorLike(args[0]) && typeof args[1] !== 'string') {
    const [error, ...rest] = args;
    method.apply(this, [
      { err: error },
      (serializeError(error) as { message: string }).message,
      ...rest,
    ]);
    return;
  }
  method.apply(this, args);
}

/** An error's message as it may be logged inside a text line: no values of a database error. */
export function loggableMessage(error: unknown): string {
  const serialized = serializeError(error);
  return typeof serialized === 'object' && serialized !== null && 'message' in serialized
    ? String((serialized as { message: unknown }).message)
    : String(serialized);
}
