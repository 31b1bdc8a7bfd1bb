import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import type { Socket } from 'node:net';
import { AppModule } from './app.module';
// no outbound request for attestation, whichever module validates a certificate path first
import './passkeys/webauthn/no-outbound-fetch';
import { configureApp } from './app.setup';
import { answerClientError } from './common/errors/client-error';
import { sendProblem } from './common/errors/problem-responder';
import { AppLogger, NestPinoLogger, requestIdOf } from './common/logging/logger';
import type { AppConfig } from './config/app-config';

/** The configuration with the database it will actually use. */
export type ResolvedConfig = AppConfig & { readonly databaseUrl: string };

export function createFastifyAdapter(config: AppConfig, logger?: AppLogger): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: requestIdOf,
    // configureApp writes one access line per request (without the query string)
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: true,
    }),
    // configureApp answers requests that arrive while closing (Fastify's own 503 is plain JSON)
    return503OnClosing: false,
    // rpIds reach 253 characters and encoded external ids more: Fastify's default is 100
    routerOptions: { maxParamLength: 1000 },
    // bad percent-encoding and overlong parameters are answered by the router itself
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(error, request, reply),
    // what Node's HTTP parser refuses (no route, no request object) is problem+json too
    clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket) {
      answerClientError(this.log, error, socket);
    },
    // a Host-less HTTP/1.1 request reaches configureApp's hook, which answers problem+json
    // (Node's own refusal is an empty 400)
    http: { requireHostHeader: false },
    ...(logger ? { loggerInstance: logger } : {}),
  });
}

/** Builds, configures and initialises the app (not listening yet). */
export async function createApp(
  config: ResolvedConfig,
  logger: AppLogger,
  /** Test-only modules (e.g. a route that throws); production passes none. */
  extraModules: Type[] = [],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, extraModules),
    createFastifyAdapter(config, logger),
    { logger: new NestPinoLogger(logger), abortOnError: false, bodyParser: false },
  );
  configureApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
