import type { FastifyRequest } from 'fastify';
import type { Problem } from './problem';

/** Sees every problem the app answers, with the route that answered it (unset in production). */
export type ProblemObserver = (answered: {
  method: string;
  /** The route's pattern as Fastify knows it (`/api/x/:id`); undefined when no route matched. */
  route: string | undefined;
  problem: Problem;
}) => void;

let observer: ProblemObserver | undefined;

/**
 * Sets (or clears) the one observer. The test suites use it to check that every code a route
 * answers is listed in that operation of the OpenAPI document (test/setup/documented-codes.ts).
 */
export function observeProblems(next: ProblemObserver | undefined): void {
  observer = next;
}

export function notifyProblem(request: FastifyRequest, problem: Problem): void {
  observer?.({ method: request.method, route: request.routeOptions?.url, problem });
}
