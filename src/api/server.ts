import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '../log/index.js';
import { errorHandler, problem, sendProblem } from './problem.js';
import { registerHealthRoutes, type HealthDeps } from './routes/health.js';

export type ApiDeps = HealthDeps & { logger: Logger };

export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  // pino's Logger and Fastify's logger type differ only in generics; the instance is the same.
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 5 * 1024 * 1024 });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));
  await app.register(swagger, {
    openapi: { info: { title: 'Laurel API', version: '1' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerHealthRoutes(app, deps);
  return app;
}
