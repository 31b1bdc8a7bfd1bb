import type { FastifyReply, FastifyRequest } from 'fastify';
import { routingPath } from '../http/routing-path';
import { loggablePath } from '../logging/loggable-path';
import { notifyProblem } from './problem-observer';
import { PROBLEM_CONTENT_TYPE, Problem, toProblem } from './problem';

/** Another body for the errors of some routes (an API kept compatible with another vendor's). */
export type ProblemShape = (problem: Problem) => { status: number; body: string };

const shapes = new Map<string, ProblemShape>();

/**
 * Errors under `prefix` leave in `shape` instead of problem+json (as `application/json`), from
 * every place that answers one: the Nest filter, the router, the hooks.
 */
export function shapeProblemsUnder(prefix: string, shape: ProblemShape): void {
  shapes.set(prefix, shape);
}

function shapeOf(url: string): ProblemShape | undefined {
  for (const [prefix, shape] of shapes) if (url.startsWith(prefix)) return shape;
  return undefined;
}

/** Writes any error as problem+json: used by the Nest filter and by Fastify's error handler. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { problem, headers, unexpected } = toProblem(error);
  problem.instance = loggablePath(request.url, request.routeOptions?.url);
  problem.requestId = String(request.id);
  if (unexpected) {
    request.log.error({ err: error, requestId: request.id }, 'unexpected error');
  } else if (problem.status >= 500) {
    request.log.warn({ code: problem.code, err: error }, problem.detail);
  } else {
    request.log.debug({ code: problem.code, status: problem.status }, problem.detail);
  }
  if (reply.sent) return;
  notifyProblem(request, problem);
  const shape = shapeOf(routingPath(request.url));
  if (shape) {
    const shaped = shape(problem);
    reply
      .status(shaped.status)
      .header('x-request-id', problem.requestId)
      .headers(headers)
      .type('application/json; charset=utf-8')
      .send(shaped.body);
    return;
  }
  reply
    .status(problem.status)
    // also where no onRequest hook ran (the router's own refusals)
    .header('x-request-id', problem.requestId)
    .headers(headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}
