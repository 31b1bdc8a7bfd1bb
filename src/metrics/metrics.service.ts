import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { poolOf } from '../database/data-source-options';

/** Prometheus metrics of one app instance (its own registry, so tests can run several apps). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56],
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const pool = () => poolOf(dataSource);
    const gauge = (name: string, help: string, read: (p: Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    gauge(
      'db_pool_connections_total',
      'Connections open in the database pool',
      (p) => p.totalCount,
    );
    gauge('db_pool_connections_idle', 'Idle connections in the database pool', (p) => p.idleCount);
    gauge(
      'db_pool_requests_waiting',
      'Queries waiting for a pool connection',
      (p) => p.waitingCount,
    );
  }

  /** Records every response with its route pattern (never the raw URL: bounded label values). */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: reply.statusCode });
      this.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
