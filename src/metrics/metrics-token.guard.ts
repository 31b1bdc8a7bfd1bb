import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/errors';
import { METRICS_CHALLENGE, metricsTokenMatches } from './metrics-token';

/** `/metrics` with IDS_METRICS_TOKEN set: only `Authorization: Bearer <token>` is answered. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = this.config.metricsToken;
    if (token === undefined) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (metricsTokenMatches(token, request.headers.authorization)) return true;
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The metrics need the metrics bearer token', {
      headers: { 'www-authenticate': METRICS_CHALLENGE },
    });
  }
}
