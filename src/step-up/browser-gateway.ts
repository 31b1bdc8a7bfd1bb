import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../common/errors/problem-responder';
import { requestFor, routingPath } from '../common/http/routing-path';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { clientBucket } from '../rate-limit/client-bucket';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { originAllowed } from '../passkeys/webauthn/origins';
import { CorsTarget, StepUpRepository } from './step-up.repository';

const PREFIX = '/api/identity-store/browser/';
const TRANSACTION =
  /^\/api\/identity-store\/browser\/transactions\/([A-Za-z0-9_-]{1,64})\/(?:start|finish)$/;
const USERNAMELESS =
  /^\/api\/identity-store\/browser\/([a-z0-9-]{1,63})\/stores\/([^/]{1,63})\/relyingParties\/([^/]{1,253})\/authentications\/([^/]{1,63})$/;
const CLIENT = `${PREFIX}client.js`;

/**
 * The browser routes' front door: CORS that answers only the relying party's own origins
 * (preflights included; other origins get no CORS headers at all), then a per-IP rate limit
 * whose counters live in PostgreSQL so that it holds across instances.
 */
@Injectable()
export class BrowserGateway {
  constructor(
    private readonly rows: StepUpRepository,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      // as the router sees it: an encoded path (`/api/identity-store/%62rowser/…`), an absolute
      // request target, a `#` are counted too
      if (!requestFor(request, (p) => p.startsWith(PREFIX))) return;
      const path = routingPath(request.url);
      if (path === CLIENT) {
        reply.header('access-control-allow-origin', '*');
        return;
      }
      // the limit comes first, preflights included: no anonymous request reads the database
      // past it. A 429 says nothing about what exists, so any page may read it.
      if (!(await this.withinLimit(request, reply))) return reply;
      const origin = request.headers.origin;
      const verdict = origin ? await this.corsVerdict(path, origin) : 'denied';
      if (verdict !== 'denied') this.exposeTo(verdict === 'allowed' ? origin! : '*', reply);
      if (request.method === 'OPTIONS') {
        if (verdict !== 'denied') {
          reply.header('access-control-allow-methods', 'POST');
          reply.header('access-control-allow-headers', 'content-type');
          reply.header('access-control-max-age', '600');
        }
        return reply.code(204).send();
      }
    });
  }

  private exposeTo(origin: string, reply: FastifyReply): void {
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin');
    reply.header(
      'access-control-expose-headers',
      'x-request-id, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset',
    );
  }

  /**
   * Counts the request against its IP. Past the limit it answers 429 — readable by any page, as
   * it says nothing about what exists — and returns false.
   */
  private async withinLimit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const result = await this.limiter.hit(
      `browser:${clientBucket(request.ip)}`,
      this.config.browserRateLimit,
      this.config.browserRateLimitWindowSeconds,
    );
    reply.headers(RateLimiter.headers(result));
    if (result.allowed) return true;
    this.exposeTo('*', reply);
    sendProblem(RateLimiter.exceeded(result), request, reply);
    return false;
  }

  /**
   * `allowed`: an origin of the relying party. `anyone`: a transaction id that does not exist
   * (unknown, purged): its 404 is safe to show to any page, so the browser can read
   * TRANSACTION_NOT_FOUND instead of a bare network error; an id is 256 random bits, so this tells
   * nothing. `denied`: no CORS headers. A username-less target that does not exist is `denied`
   * like a foreign origin, so the headers are no oracle for which tenants, stores and relying
   * parties exist.
   */
  private async corsVerdict(
    path: string,
    origin: string,
  ): Promise<'allowed' | 'anyone' | 'denied'> {
    let target: CorsTarget | undefined;
    const tx = TRANSACTION.exec(path);
    const usernameless = USERNAMELESS.exec(path);
    if (tx) {
      target = await this.rows.corsOfTransaction(tx[1]);
      if (!target) return 'anyone';
    } else if (usernameless) {
      const [storeName, rpId, policy] = usernameless.slice(2, 5).map(decodedSegment);
      if (storeName === undefined || rpId === undefined || policy === undefined) return 'denied';
      // CORS headers only where the start would succeed: an active tenant, the relying party and a
      // policy that allows username-less starts; anything else looks like a foreign origin
      target = await this.rows.corsOfUsernameless(usernameless[1], storeName, rpId, policy);
    }
    return target !== undefined && originAllowed(target.rpId, target.origins, origin)
      ? 'allowed'
      : 'denied';
  }
}

/**
 * A path segment as the route will see it; undefined for one no route accepts (bad
 * percent-encoding, or a NUL, which PostgreSQL cannot store in text): it allows no origin.
 */
function decodedSegment(segment: string): string | undefined {
  try {
    const value = decodeURIComponent(segment);
    return value.includes('\0') ? undefined : value;
  } catch {
    return undefined;
  }
}
