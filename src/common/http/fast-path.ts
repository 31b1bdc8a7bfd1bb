import {
  ForbiddenException,
  type CanActivate,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { sendProblem } from '../errors/problem-responder';

/** The route config key that marks a fast-path route (see `FastPath`). */
export const FAST_PATH = 'fastPath';

interface FastPathTarget {
  controller: Type<unknown>;
  method: string;
}

/**
 * The route runs on the fast path: Fastify calls the controller method itself, after the same
 * global guard and validation pipe, with errors answered by the same problem responder, but
 * without Nest's per-request machinery (execution context plumbing, interceptor chain, rxjs,
 * pipes consumer). For the hot ceremony routes (issue 13). The route stays a Nest route in every
 * other respect (registration, path, OpenAPI, the isolation harness).
 */
export const FastPath = (): MethodDecorator => (target, key, descriptor) =>
  RouteConfig({
    [FAST_PATH]: { controller: target.constructor, method: String(key) } as FastPathTarget,
  })(target, key, descriptor);

/** What the fast path runs in place of Nest's global enhancers. */
export interface FastPathEnhancers {
  /** The global guard (it must also be the only guard of the route). */
  guard: CanActivate;
  /** The global pipe, applied to body, path and query parameters as Nest applies it. */
  pipe: PipeTransform;
  /**
   * What the global interceptors do when the pipe or the handler fails (they may replace the
   * error by throwing their own).
   */
  onHandlerError(request: FastifyRequest): Promise<void>;
  /** The controller instance Nest created. */
  instance(controller: Type<unknown>): unknown;
}

type ArgumentOf = (
  request: FastifyRequest,
  context: ExecutionContextHost,
) => unknown | Promise<unknown>;

/** Whether a route's config marks it `@FastPath()`. */
export function isFastPath(config: unknown): boolean {
  return (config as Record<string, unknown> | undefined)?.[FAST_PATH] !== undefined;
}

/**
 * The handler Fastify runs for a `@FastPath()` route (`isFastPath`). Refuses
 * (at boot) a route using what the fast path does not do: route-scoped guards, interceptors,
 * pipes or filters, `@Header`, `@Redirect`, `@Render`, SSE, parameter pipes, or parameters other
 * than body, path, query and custom decorators.
 */
export function fastPathHandler(config: unknown, enhancers: FastPathEnhancers): RouteHandlerMethod {
  const { controller, method } = (config as Record<string, FastPathTarget>)[FAST_PATH];
  const handler = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[method];
  const where = `${controller.name}.${method}`;
  for (const key of [
    GUARDS_METADATA,
    INTERCEPTORS_METADATA,
    PIPES_METADATA,
    EXCEPTION_FILTERS_METADATA,
  ]) {
    if (Reflect.getMetadata(key, controller) || Reflect.getMetadata(key, handler))
      throw new Error(`${where}: a fast-path route cannot have its own ${key}`);
  }
  for (const key of [HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA]) {
    if (Reflect.getMetadata(key, handler) !== undefined)
      throw new Error(`${where}: a fast-path route cannot use ${key}`);
  }
  const args = argumentsOf(controller, method, enhancers.pipe, where);
  const status =
    (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? undefined;

  let instance: unknown;
  return async function fastPath(request: FastifyRequest, reply: FastifyReply) {
    instance ??= enhancers.instance(controller);
    const context = new ExecutionContextHost([request, reply, undefined], controller, handler);
    // as Nest's Fastify adapter does: an empty path parameter matches no route
    for (const name in request.params as Record<string, string>) {
      if ((request.params as Record<string, string>)[name] === '' && name !== '*')
        return reply.callNotFound();
    }
    try {
      // as Nest's guards consumer does: a guard that says no is a 403
      if (!(await enhancers.guard.canActivate(context)))
        throw new ForbiddenException('Forbidden resource');
      let result: unknown;
      try {
        const values = await Promise.all(args.map((argument) => argument(request, context)));
        result = await handler.apply(instance, values);
      } catch (error) {
        await enhancers.onHandlerError(request);
        throw error;
      }
      reply.status(status ?? (request.method === 'POST' ? 201 : 200)).send(result);
    } catch (error) {
      sendProblem(error, request, reply);
    }
    return reply;
  };
}

/** How each argument of the method is made, in order (Nest's ROUTE_ARGS_METADATA). */
function argumentsOf(
  controller: Type<unknown>,
  method: string,
  pipe: PipeTransform,
  where: string,
): ArgumentOf[] {
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    {
      index: number;
      data?: string;
      pipes?: unknown[];
      factory?: (data: unknown, context: ExecutionContextHost) => unknown;
    }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ??
    []) as Type<unknown>[];
  const made: ArgumentOf[] = [];
  for (const [key, { index, data, pipes, factory }] of Object.entries(metadata)) {
    if (pipes?.length) throw new Error(`${where}: a fast-path route cannot have parameter pipes`);
    const type = key.split(':')[0];
    if (type.includes(CUSTOM_ROUTE_ARGS_METADATA) && factory) {
      // Nest hands a custom parameter to the global pipe too, which passes it through unchanged
      made[index] = (_request, context) => factory(data, context);
      continue;
    }
    const from = SOURCES[Number(type)];
    if (!from) throw new Error(`${where}: a fast-path route cannot take parameter ${key}`);
    const metatype = types[index];
    made[index] = (request) => {
      const whole = request[from.field] as Record<string, unknown> | undefined;
      const value = data ? whole?.[data] : whole;
      return pipe.transform(value, { type: from.type, metatype, data });
    };
  }
  if (made.length !== types.length || made.some((argument) => !argument))
    throw new Error(`${where}: every parameter of a fast-path route needs a decorator`);
  return made;
}

const SOURCES: Record<
  number,
  { field: 'body' | 'params' | 'query'; type: 'body' | 'param' | 'query' }
> = {
  [RouteParamtypes.BODY]: { field: 'body', type: 'body' },
  [RouteParamtypes.PARAM]: { field: 'params', type: 'param' },
  [RouteParamtypes.QUERY]: { field: 'query', type: 'query' },
};
