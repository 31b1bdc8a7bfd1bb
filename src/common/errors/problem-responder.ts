import type { FastifyReply, FastifyRequest } from 'fastify';
import { loggablePath } from '../logging/loggable-path';
import { notifyProblem } from './problem-observer';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** Writes any error as problem+json: used by the Nest filter and by Fastify's error handler. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { problem, headers, unexpected } = toProblem(error);
  problem.instance = loggablePath(request.url);
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
  reply
    .status(problem.status)
    // also where no onRequest hook ran (the router's own refusals)
    .header('x-request-id', problem.requestId)
    .headers(headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}
