import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { ErrorCode } from './error-code';
import { buildProblem, Problem, PROBLEM_CONTENT_TYPE } from './problem';

/** Every method a route of the API answers (a test checks it against the OpenAPI document). */
export const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'] as const;

/** llhttp's reasons are fixed sentences of its own ("Invalid header value char"): never caller data. */
const REASON = /^[\w\s`'.,:-]{1,120}$/;

interface ParserError {
  code?: unknown;
  reason?: unknown;
}

/** The problem (and extra headers) for an error of Node's HTTP parser. */
export function clientErrorProblem(error: ParserError): {
  problem: Problem;
  headers: Record<string, string>;
} {
  const code = typeof error.code === 'string' ? error.code : 'UNKNOWN';
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return only(buildProblem(ErrorCode.REQUEST_TIMEOUT, 'The request was not received in time'));
    case 'HPE_HEADER_OVERFLOW':
      return only(
        buildProblem(ErrorCode.HEADERS_TOO_LARGE, 'The request line and headers are too large'),
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return only(buildProblem(ErrorCode.PAYLOAD_TOO_LARGE, 'The chunk extensions are too large'));
    case 'HPE_INVALID_METHOD':
      // the parser knows no such method: no resource has it (RFC 9110 §15.5.6 wants an Allow)
      return {
        problem: buildProblem(ErrorCode.METHOD_NOT_ALLOWED, 'The request method is not supported'),
        headers: { allow: SERVED_METHODS.join(', ') },
      };
    default: {
      const reason = typeof error.reason === 'string' && REASON.test(error.reason);
      const detail = `The request is not valid HTTP/1.1${reason ? `: ${String(error.reason)}` : ''}`;
      return only(buildProblem(ErrorCode.MALFORMED_REQUEST, `${detail} (${code})`));
    }
  }
}

function only(problem: Problem): { problem: Problem; headers: Record<string, string> } {
  return { problem, headers: {} };
}

/** Node's own fields: is a response of this connection already on the wire? */
interface HttpSocket extends Socket {
  _httpMessage?: { _headerSent?: boolean } | null;
}

/**
 * The server's `clientError` handler (Fastify's `clientErrorHandler`): what Node's HTTP parser
 * refuses before any route runs (bad header bytes, Content-Length with Transfer-Encoding, an
 * unknown method, oversized headers, timeouts) is answered as problem+json, then the
 * connection is closed. Never logs the error itself: its `rawPacket` holds the caller's
 * headers, API key included.
 */
export function answerClientError(
  log: FastifyBaseLogger,
  error: ParserError,
  socket: HttpSocket,
): void {
  // a reset connection has nobody to answer
  if (error.code === 'ECONNRESET') return;
  const { problem, headers } = clientErrorProblem(error);
  answerOnSocket(log, socket, problem, headers, String(error.code));
}

/** `CONNECT` (the server's `connect` event: Node hands over the socket, no route sees it). */
export function answerConnect(log: FastifyBaseLogger, socket: HttpSocket): void {
  answerOnSocket(
    log,
    socket,
    buildProblem(ErrorCode.METHOD_NOT_ALLOWED, 'CONNECT is not supported'),
    { allow: SERVED_METHODS.join(', ') },
    'CONNECT',
  );
}

function answerOnSocket(
  log: FastifyBaseLogger,
  socket: HttpSocket,
  problem: Problem,
  headers: Record<string, string>,
  cause: string,
): void {
  if (socket.destroyed) return;
  const requestId = randomUUID();
  try {
    // a response already started on this connection must not be corrupted
    if (socket.writable && !socket._httpMessage?._headerSent) {
      problem.requestId = requestId;
      const body = JSON.stringify(problem);
      const lines = [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
        `content-type: ${PROBLEM_CONTENT_TYPE}`,
        `content-length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${requestId}`,
        'x-content-type-options: nosniff',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        'connection: close',
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
      log.debug({ requestId, code: problem.code, cause }, 'client error');
    }
  } catch {
    // a listener of the server's events must never throw: the process would go down
  } finally {
    socket.destroy();
  }
}
