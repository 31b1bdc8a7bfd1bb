import { RequestMethod } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { isIP, type Socket } from 'node:net';
import type { AppConfig } from './config/app-config';
import { DomainError, ErrorCode } from './common/errors';
import { answerConnect } from './common/errors/client-error';
import { ProblemFilter } from './common/errors/problem.filter';
import { fastPathHandler, isFastPath } from './common/http/fast-path';
import { LARGE_BODY } from './common/http/large-body';
import { requestFor } from './common/http/routing-path';
import { AccessGuard } from './access/access.guard';
import { ApiKeyVerifier } from './access/api-key-verifier';
import { DeferredKeyCheckInterceptor } from './access/deferred-key-check.interceptor';
import { loggablePath } from './common/logging/loggable-path';
import { AppValidationPipe } from './common/validation/validation.pipe';
import { MetricsService } from './metrics/metrics.service';
import { BrowserGateway } from './step-up/browser-gateway';
import { PassageGateway } from './passage/passage-gateway';
import { setupSwagger } from './openapi/openapi';

/** Routes that live outside `/api`. */
const UNPREFIXED = [
  { path: 'metrics', method: RequestMethod.GET },
  { path: '.well-known/jwks.json', method: RequestMethod.GET },
  { path: 'demo', method: RequestMethod.ALL },
  { path: 'demo/*path', method: RequestMethod.ALL },
  // Passage's two bases (https://auth.passage.id/v1, https://api.passage.id/v1) map here
  { path: 'passage/v1/*path', method: RequestMethod.ALL },
];

/** Routing shared by the running app and the OpenAPI generator, so both see the same paths. */
export function applyRouting(app: NestFastifyApplication): void {
  app.setGlobalPrefix('api', { exclude: UNPREFIXED });
}

/**
 * THE bootstrap of the app, used by main.ts and by every test: routing, validation, errors as
 * problem+json, request ids, metrics, CORS and Swagger.
 */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  applyRouting(app);
  const pipe = new AppValidationPipe();
  app.useGlobalPipes(pipe);
  app.useGlobalFilters(new ProblemFilter());

  const fastify = app.getHttpAdapter().getInstance();
  // JSON only (Fastify's secure parser; Nest's parsers are off): any other body type is a 415.
  fastify.removeContentTypeParser(['text/plain']);
  // routes marked @LargeBody() (credential import) have their own body limit; Nest adds the
  // routes at init, after this hook
  fastify.addHook('onRoute', (route) => {
    if ((route.config as Record<string, unknown> | undefined)?.[LARGE_BODY] === true) {
      route.bodyLimit = config.importBodyLimitBytes;
      // the caller's key is checked before such a body is read: Nest's guard runs after the
      // body is parsed, and megabytes of JSON from anyone would cost every caller a parse
      // (the guard checks the key again, with the permission, as on every route)
      const before = route.onRequest;
      route.onRequest = [
        ...(Array.isArray(before) ? before : before ? [before] : []),
        async (request) => {
          await app.get(ApiKeyVerifier).verify(request);
        },
      ];
    }
    if (isFastPath(route.config))
      route.handler = fastPathHandler(route.config, {
        guard: app.get(AccessGuard),
        pipe,
        onHandlerError: (request) => DeferredKeyCheckInterceptor.afterHandlerError(request),
        instance: (controller) => app.get(controller),
      });
  });
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // a request on a connection still open while the server drains: go elsewhere
    if (closing) {
      reply.header('connection', 'close');
      throw new DomainError(ErrorCode.SHUTTING_DOWN, 'The server is shutting down; retry', {
        headers: { 'retry-after': '1' },
      });
    }
    // behind trusted proxies the client IP comes from X-Forwarded-For: it must be an address
    if (config.trustProxy !== false && isIP(request.ip) === 0) {
      throw new DomainError(
        ErrorCode.MALFORMED_REQUEST,
        'X-Forwarded-For does not name the client by an IP address',
      );
    }
    // RFC 9112 §3.2 (Node's own check is off: it answers an empty 400, app.factory.ts)
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new DomainError(ErrorCode.MALFORMED_REQUEST, 'An HTTP/1.1 request needs a Host header');
    }
  });
  fastify.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: loggablePath(request.url, request.routeOptions.url),
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // answers carry secrets (keys, tokens, nonces, challenges): stored by no cache unless a
    // route says otherwise (the JWKS, client.js)
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    // pages (Swagger UI, the demo) are never framed: no clicks through an invisible page
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', "frame-ancestors 'none'");
    }
    return payload;
  });
  fastify.server.on('connect', (_request, socket: Socket) => answerConnect(fastify.log, socket));
  if (config.metricsEnabled) app.get(MetricsService).instrument(fastify);
  app.get(BrowserGateway).register(fastify);
  app.get(PassageGateway).register(fastify);

  if (config.corsOrigins.length > 0) {
    // the operator's origins (an admin console) for the management API only: the browser routes
    // answer CORS themselves, from each relying party's origins. @fastify/cors runs first and
    // answers every preflight it is given, so on those routes it would have refused every
    // relying party's origin and admitted the operator's (found by review)
    const management = { origin: [...config.corsOrigins], credentials: false };
    app.enableCors({
      delegator: (request, callback) =>
        callback(null, isManagementRoute(request) ? management : { origin: false }),
    });
  }
  if (config.swaggerEnabled) setupSwagger(app);
}

/** The keyed management API: what IDS_CORS_ORIGINS opens to the operator's origins. */
function isManagementRoute(request: FastifyRequest): boolean {
  return requestFor(
    request,
    (path) =>
      path.startsWith('/api/identity-store/') && !path.startsWith('/api/identity-store/browser/'),
  );
}
