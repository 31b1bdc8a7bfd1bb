import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { documentedCodes, operationsOf } from '../../src/openapi/failures';

/** A problem the app answered: the route's method and Fastify pattern, and the code. */
export interface Answered {
  method: string;
  route: string;
  code: string;
}

export const COMMITTED_OPENAPI = join(__dirname, '..', '..', 'openapi', 'openapi.json');

/**
 * Routes the document leaves out on purpose: the demo pages, Prometheus' scrape, Swagger UI
 * itself and the test-only probe routes. A route outside the document and this list is reported.
 */
const UNDOCUMENTED = [/^\/demo(\/|$)/, /^\/metrics$/, /^\/api\/docs/, /^\/api\/probe\//];

/** `/a/:b` (Fastify) → `/a/{b}` (OpenAPI). */
export function openApiPath(route: string): string {
  return route.replace(/:(\w+)/g, '{$1}');
}

/**
 * What the document does not say about what was answered: `METHOD path: CODE` for each code its
 * operation does not list, and `METHOD path: not in the document` for an unknown route.
 */
export function undocumented(
  answered: Iterable<Answered>,
  document: OpenAPIObject = JSON.parse(readFileSync(COMMITTED_OPENAPI, 'utf8')),
): string[] {
  const byRoute = new Map<string, Set<string>>();
  for (const { method, path, operation } of operationsOf(document)) {
    byRoute.set(`${method.toUpperCase()} ${path}`, documentedCodes(operation, document));
  }
  const gaps = new Set<string>();
  for (const { method, route, code } of answered) {
    if (UNDOCUMENTED.some((pattern) => pattern.test(route))) continue;
    const key = `${method} ${openApiPath(route)}`;
    const codes = byRoute.get(key);
    if (!codes) gaps.add(`${key}: not in the document`);
    else if (!codes.has(code)) gaps.add(`${key}: ${code}`);
  }
  return [...gaps].sort();
}
