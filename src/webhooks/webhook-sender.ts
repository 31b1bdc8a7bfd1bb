import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  guardedLookup,
  hostOf,
  parseTargetUrl,
  TargetPolicy,
  TargetRefused,
} from './webhook-targets';

/** Bytes of an answer read at most (only its status counts; the rest is not read). */
const ANSWER_CAP = 4096;

export interface Outgoing {
  url: string;
  body: string;
  /** The signed headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`). */
  headers: Record<string, string>;
  timeoutMs: number;
  policy: TargetPolicy;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  /** Why it failed, short and without the URL or anything the receiver said. */
  error: string | null;
  /** A 429's or 503's `Retry-After`, in seconds (delta form only), when it gave one. */
  retryAfterSeconds?: number;
}

/**
 * One POST of a webhook: the target checked again (scheme, IP literal, every resolved address, the
 * socket connects only to a checked one), redirects never followed (a 3xx is a failure), one
 * deadline for the whole exchange, at most a few KiB of the answer read.
 */
export function sendWebhook(out: Outgoing): Promise<SendResult> {
  let url: URL;
  try {
    url = parseTargetUrl(out.url, out.policy);
  } catch (error) {
    return Promise.resolve(failure(null, describe(error, out.timeoutMs)));
  }
  const payload = Buffer.from(out.body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const req = request(
      {
        protocol: url.protocol,
        hostname: hostOf(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        lookup: guardedLookup(out.policy) as never,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': 'IdentityStore-Webhooks/1',
          ...out.headers,
        },
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const done = () => {
          res.destroy();
          if (status >= 200 && status < 300) finish({ ok: true, statusCode: status, error: null });
          else if (status >= 300 && status < 400) {
            finish(failure(status, `redirect not followed (HTTP ${status})`));
          } else {
            const after = retryAfter(status, res.headers['retry-after']);
            finish({
              ...failure(status, `HTTP ${status}`),
              ...(after ? { retryAfterSeconds: after } : {}),
            });
          }
        };
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= ANSWER_CAP) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const deadline = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      out.timeoutMs,
    );
    req.on('error', (error) => finish(failure(null, describe(error, out.timeoutMs))));
    req.end(payload);
  });
}

/** A receiver's "come back in N seconds" on a 429 or 503 (the delta-seconds form only). */
export function retryAfter(
  status: number,
  header: string | string[] | undefined,
): number | undefined {
  if ((status !== 429 && status !== 503) || typeof header !== 'string') return undefined;
  if (!/^\d{1,9}$/.test(header.trim())) return undefined;
  const seconds = Number(header.trim());
  return seconds > 0 ? seconds : undefined;
}

function failure(statusCode: number | null, error: string): SendResult {
  return { ok: false, statusCode, error };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name does not resolve (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
};

/** A short reason for the delivery log: never the URL, never the receiver's words. */
function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof TargetRefused) return `target refused: ${error.message}`;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'TIMEOUT') return `no answer within ${timeoutMs} ms`;
  if (REASONS[code]) return REASONS[code];
  if (code.startsWith('ERR_TLS') || /CERT|SSL/.test(code)) return `TLS failed (${code})`;
  return code ? `request failed (${code})` : 'request failed';
}
