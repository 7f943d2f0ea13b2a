import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AppContext } from '../app/context.js';
import { registerAuthentication } from './auth.js';
import { registerMetrics } from './metrics.js';
import { errorHandler, problem, sendProblem } from './problem.js';
import { registerRoutes } from './routes/index.js';
import { registerWebPages } from './web-pages.js';

/** What the API needs from the process: the shared connections and the configuration. */
export type ApiContext = Omit<AppContext, 'close' | 'urls'>;

export async function buildServer(ctx: ApiContext): Promise<FastifyInstance> {
  // pino's Logger and Fastify's logger type differ only in generics; the instance is the same.
  const app = Fastify({ loggerInstance: ctx.logger as FastifyBaseLogger, bodyLimit: 5 * 1024 * 1024 });
  // Schemas document the API (OpenAPI); zod validates in the handlers, so errors carry Laurel's
  // stable codes and the path of the bad field.
  app.setValidatorCompiler(() => () => true);
  app.setErrorHandler(errorHandler);
  // JSON only (the program route adds YAML): anything else is 415, not a silently empty body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));
  await app.register(swagger, {
    openapi: {
      info: { title: 'Laurel API', version: '1', description: 'Loyalty ledger, tiers, campaigns, missions, contests and verifiable draws.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerMetrics(app);
  registerAuthentication(app, { pool: ctx.pool, memberTokenSecret: ctx.config.memberTokenSecret });
  registerRoutes(app, ctx);
  (await import('./routes/winback.js')).registerWinbackRoutes(app, ctx);
  registerWebPages(app, ctx.config.web);
  return app;
}
