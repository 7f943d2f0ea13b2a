import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../server.js';
import { registerHealthRoutes } from './health.js';
import { registerMessageRoutes } from './messages.js';

/** Every route group registers here; one file per concern in this folder. */
export function registerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  registerHealthRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
}
