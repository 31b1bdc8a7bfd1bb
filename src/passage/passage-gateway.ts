import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, shapeProblemsUnder } from '../common/errors/problem-responder';
import { requestFor, routingPath } from '../common/http/routing-path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { originAllowed } from '../passkeys/webauthn/origins';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { clientBucket } from '../rate-limit/client-bucket';
import { toPassageError } from './passage-errors';
import { PassageRepository } from './passage.repository';

export const PASSAGE_PREFIX = '/passage/v1/';

/** The four routes the browser SDK calls (no key): CORS for the app's relying party only. */
const BROWSER_ROUTE =
  /^\/passage\/v1\/apps\/([A-Za-z0-9_-]{1,64})\/(?:register|authenticate)\/transactions\/webauthn\/(?:start|finish)$/;

/**
 * Everything that may reach one of those routes (counted against the per-IP limit), and not the
 * backend's `authenticate/verify`, which the integrator's servers call with their key.
 */
const BROWSER_PREFIX = /^\/passage\/v1\/apps\/[^/]*\/(?:register|authenticate)\/transactions\//;

/**
 * What the SDK sends with every call, so every call is a preflight that must allow it; and the
 * tracing headers that a page's Sentry, Datadog or OpenTelemetry set-up adds to cross-origin
 * calls, which would otherwise fail the preflight with no message from the SDK.
 */
const ALLOWED_HEADERS =
  'content-type, passage-flex-version, traceparent, tracestate, baggage, sentry-trace';

/**
 * The front door of `/passage/v1`: every error in Passage's `{code, error}` shape; on the browser
 * routes, the per-IP rate limit of the browser routes (the same counters) and CORS that answers
 * only the app's relying party's origins (preflights included). The backend routes answer no
 * CORS at all: they are for servers.
 */
@Injectable()
export class PassageGateway {
  constructor(
    private readonly rows: PassageRepository,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(fastify: FastifyInstance): void {
    shapeProblemsUnder('/passage/', (problem) => {
      const { status, code, error } = toPassageError(problem.code, problem.detail, problem.status);
      return { status, body: JSON.stringify({ code, error }) };
    });
    fastify.addHook('onRequest', async (request, reply) => {
      // as the router sees it: an encoded path (`/passage/v1/%61pps/…`), an absolute request
      // target, a `#` are counted too
      if (!requestFor(request, (p) => BROWSER_PREFIX.test(p))) return;
      const path = routingPath(request.url);
      // the limit first, preflights included: no anonymous request reads the database past it
      if (!(await this.withinLimit(request, reply))) return reply;
      const browser = BROWSER_ROUTE.exec(path);
      const origin = request.headers.origin;
      const target = origin && browser ? await this.rows.corsOfApp(browser[1]) : undefined;
      const allowed = target !== undefined && originAllowed(target.rpId, target.origins, origin!);
      if (allowed) {
        reply.header('access-control-allow-origin', origin!);
        reply.header('vary', 'Origin');
        reply.header('access-control-expose-headers', 'x-request-id, retry-after');
      }
      if (request.method === 'OPTIONS') {
        if (allowed) {
          reply.header('access-control-allow-methods', 'POST');
          reply.header('access-control-allow-headers', ALLOWED_HEADERS);
          reply.header('access-control-max-age', '600');
        }
        return reply.code(204).send();
      }
    });
  }

  private async withinLimit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const result = await this.limiter.hit(
      `browser:${clientBucket(request.ip)}`,
      this.config.browserRateLimit,
      this.config.browserRateLimitWindowSeconds,
    );
    reply.headers(RateLimiter.headers(result));
    if (result.allowed) return true;
    // a 429 says nothing about what exists: any page may read it
    reply.header('access-control-allow-origin', '*');
    sendProblem(RateLimiter.exceeded(result), request, reply);
    return false;
  }
}
