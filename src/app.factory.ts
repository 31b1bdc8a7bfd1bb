import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyReply, FastifyRequest, LogController } from 'fastify';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
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
    return503OnClosing: true,
    // rpIds reach 253 characters and encoded external ids more: Fastify's default is 100
    routerOptions: { maxParamLength: 1000 },
    // bad percent-encoding and overlong parameters are answered by the router itself
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(error, request, reply),
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
