import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEFORE_ANY_ROUTE, describeFailures } from './failures';
import { ProblemDto } from './problem.dto';

export const API_KEY_SCHEME = 'apiKey';
export const BEARER_SCHEME = 'bearer';

const DESCRIPTION = `A self-hosted, multi-tenant passkey (WebAuthn) identity store.

Authenticate with an API key in the \`X-Api-Key\` header, or with a bearer token obtained from
\`POST /api/identity-store/apiKeys/issue\`. Each operation states the permission it requires,
as \`TNT#{tenant}#IdentityStore:{operation}\` (see \`x-permission\`). Errors are
\`application/problem+json\` (RFC 9457) with a stable \`code\`: each operation lists, per status,
the codes it can answer. Any request can also be refused before it reaches an operation, with
${BEFORE_ANY_ROUTE.map((code) => `\`${code}\``).join(', ')}.`;

/** The OpenAPI document of an app: served at /api/docs-json and committed under openapi/. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Identity Store API')
    .setDescription(DESCRIPTION)
    .setVersion('0.1.0')
    .addServer('/', 'This service (the document is served by it at /api/docs-json)')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    // referenced only by the problem responses describeFailures writes
    extraModels: [ProblemDto],
  });
  describeAccess(document);
  describeFailures(document);
  return document;
}

type Operation = {
  description?: string;
  security?: unknown[];
  'x-permission'?: string;
  'x-permission-also'?: string;
  'x-public'?: boolean;
  'x-capability'?: string;
};

/** Repeats each operation's permission (from @RequirePermission / @Public) in its description. */
function describeAccess(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Operation[]) {
      if (!operation || typeof operation !== 'object') continue;
      const also = operation['x-permission-also'];
      const capability = operation['x-capability'];
      const access = operation['x-public']
        ? `**Public**: no credentials.${capability ? ` **Capability**: ${capability}.` : ''}`
        : operation['x-permission']
          ? `**Permission**: \`${operation['x-permission']}\`${also ? `; also ${also}` : ''}`
          : undefined;
      // no credentials, said the OpenAPI way too
      if (operation['x-public']) operation.security = [];
      if (access) {
        operation.description = operation.description ? `${operation.description}\n\n${access}` : access;
      }
    }
  }
}

export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
    // a key pasted into Authorize stays in this page only: kept in the origin's localStorage,
    // any script there later (or a framed page clicked through) would act with it (review)
    swaggerOptions: { persistAuthorization: false, displayOperationId: true },
  });
}

/** Stable text form of the document, as committed. */
export function serializeOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
