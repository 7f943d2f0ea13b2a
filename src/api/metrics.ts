import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import { groupCommitStats } from '../ledger/index.js';
import { defineRoute } from './route.js';

/** Prometheus metrics at /metrics: process defaults plus request counts and latencies by route. */
export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'laurel_' });
  const requests = new Counter({
    name: 'laurel_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'laurel_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Group commit of single events: events per group = events_total / groups_total.
  new Gauge({
    name: 'laurel_event_groups_total',
    help: 'Groups of single events written together since the process started',
    registers: [registry],
    collect() {
      this.set(groupCommitStats.groups);
    },
  });
  new Gauge({
    name: 'laurel_event_group_events_total',
    help: 'Single events written in groups since the process started',
    registers: [registry],
    collect() {
      this.set(groupCommitStats.events);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: member ids must not become label values.
    const route = request.routeOptions.url ?? 'unknown';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  defineRoute(app, {
    method: 'GET',
    url: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics: process defaults, HTTP requests and latencies by route pattern',
    auth: 'public',
    responses: { 200: { contentType: 'text/plain', schema: z.string(), description: 'Prometheus text exposition format' } },
    handler: async ({ reply }) => {
      reply.type(registry.contentType);
      return await registry.metrics();
    },
  });
  return registry;
}
