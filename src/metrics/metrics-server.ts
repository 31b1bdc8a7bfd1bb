import { createServer, Server } from 'node:http';
import { buildProblem, ErrorCode, PROBLEM_CONTENT_TYPE } from '../common/errors';
import { METRICS_CHALLENGE, metricsTokenMatches } from './metrics-token';
import type { MetricsService } from './metrics.service';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/metrics` on a port of its own (IDS_METRICS_PORT), so that the scraper's network and the
 * API's need not be the same. The bearer token, when set, applies here too.
 */
export async function startMetricsServer(
  metrics: MetricsService,
  options: { host: string; port: number; token: string | undefined },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const answer = (status: number, code: ErrorCode, detail: string, headers = {}) => {
      response.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...headers });
      response.end(JSON.stringify(buildProblem(code, detail, status)));
    };
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(404, ErrorCode.ROUTE_NOT_FOUND, 'Only /metrics here');
    if (request.method !== 'GET') {
      return answer(405, ErrorCode.METHOD_NOT_ALLOWED, 'GET only', { allow: 'GET' });
    }
    if (
      options.token !== undefined &&
      !metricsTokenMatches(options.token, request.headers.authorization)
    ) {
      return answer(401, ErrorCode.UNAUTHENTICATED, 'The metrics need the metrics bearer token', {
        'www-authenticate': METRICS_CHALLENGE,
      });
    }
    metrics.render().then(
      (body) => {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(body);
      },
      () => answer(500, ErrorCode.INTERNAL_ERROR, 'An unexpected error occurred'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
