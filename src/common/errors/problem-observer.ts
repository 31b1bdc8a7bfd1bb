import type { FastifyRequest } from 'fastify';
import type { Problem } from './problem';

/** Sees every problem the app answers, with the route that answered it (unset in production). */
export type ProblemObserver = (answered: {
  method: string;
  /** The route's pattern as Fastify knows it (`/api/x/:id`); undefined when no route matched. */
  route: string | undefined;
  problem: Problem;
}) => void;

const observers = new Set<ProblemObserver>();

/**
 * Adds an observer; returns its removal. The test suites use it to check that every code a route
 * answers is listed in that operation of the OpenAPI document (test/setup/documented-codes.ts).
 */
export function observeProblems(observer: ProblemObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export function notifyProblem(request: FastifyRequest, problem: Problem): void {
  if (observers.size === 0) return;
  const answered = { method: request.method, route: request.routeOptions?.url, problem };
  for (const observer of observers) observer(answered);
}
