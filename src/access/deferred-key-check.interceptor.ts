import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, Observable, throwError } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { DeferredContext } from './deferred-context';

/**
 * A request whose key its first statement was to check, but which failed before that statement
 * ran (an invalid body or path, a malformed credential): its key is checked now, so that a bad
 * key or a missing permission is answered 401/403 (and audited) before anything else, exactly
 * as on every other route. Pipes run inside interceptors, so their errors come through here.
 */
@Injectable()
export class DeferredKeyCheckInterceptor implements NestInterceptor {
  /**
   * The same rule for a route on the fast path (`@FastPath()`): after a pipe or handler error,
   * the key is checked (its refusal replaces the error).
   */
  static async afterHandlerError(request: FastifyRequest): Promise<void> {
    const ctx = request.ctx;
    if (ctx instanceof DeferredContext) await ctx.admitByLookup();
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToHttp().getRequest<FastifyRequest>().ctx;
    if (!(ctx instanceof DeferredContext)) return next.handle();
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          from(ctx.admitByLookup()).pipe(mergeMap(() => throwError(() => error))),
        ),
      );
  }
}
