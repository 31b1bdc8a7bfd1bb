import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFastifyAdapter } from './app.factory';
import { AppModule } from './app.module';
import { applyRouting } from './app.setup';
import { createLogger } from './common/logging/logger';
import { loadConfig } from './config/app-config';
import { buildOpenApiDocument, serializeOpenApi } from './openapi/openapi';

export const OPENAPI_FILE = join(process.cwd(), 'openapi', 'openapi.json');

/**
 * Writes openapi/openapi.json from the code. Nest's preview mode builds the module graph
 * without instantiating providers, so no database is needed.
 */
async function main(): Promise<void> {
  const config = { ...loadConfig({}), databaseUrl: 'postgres://preview/none' };
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, createLogger('silent')),
    createFastifyAdapter(config),
    { preview: true, logger: false, abortOnError: false },
  );
  applyRouting(app);
  const text = serializeOpenApi(buildOpenApiDocument(app));
  mkdirSync(join(process.cwd(), 'openapi'), { recursive: true });
  writeFileSync(OPENAPI_FILE, text);
  await app.close();
  console.warn(`wrote ${OPENAPI_FILE}`);
}

void main();
