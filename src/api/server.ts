import Fastify, { type FastifyBaseLogger, type FastifyInstance, type HTTPMethods } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AppContext } from '../app/context.js';
import { registerAuthentication } from './auth.js';
import { registerContractCheck } from './contract-check.js';
import { registerJsonBodies } from './json-body.js';
import { RateLimiter, registerRateLimits } from './rate-limit.js';
import { registerMetrics } from './metrics.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js';
import { errorHandler, problem, sendProblem } from './problem.js';
import type { RouteContract } from './route.js';
import { registerRoutes } from './routes/index.js';
import { registerWebPages } from './web-pages.js';

/** What the API needs from the process: the shared connections and the configuration. */
export type ApiContext = Omit<AppContext, 'close' | 'urls'>;

/** Every route of the app: those declared with defineRoute carry their contract. */
export interface RouteListing {
  contracts: RouteContract[];
  /** Routes registered without defineRoute (excluding the /docs UI's own). */
  undeclared: { method: string; url: string }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    laurelRoutes: RouteListing;
  }
}

const DOCUMENTATION_PREFIX = '/docs';

/** The pages (console, widget, draw page) are HTML for browsers, not API operations. */
function isWebPage(route: { url: string; schema?: unknown }): boolean {
  return !route.url.startsWith('/v1/') && (route.schema as { hide?: boolean } | undefined)?.hide === true;
}

function pathPattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

export async function buildServer(ctx: ApiContext): Promise<FastifyInstance> {
  // pino's Logger and Fastify's logger type differ only in generics; the instance is the same.
  // Path parameters are checked by their schemas (the longest allowed is 1,000 characters), not cut
  // at Fastify's default of 100 with a 414 of its own.
  const app = Fastify({ loggerInstance: ctx.logger as FastifyBaseLogger, bodyLimit: ctx.config.api.bodyLimitBytes, trustProxy: ctx.config.api.trustProxy, routerOptions: { maxParamLength: 2048 } });
  // zod validates in the handlers (src/api/route.ts), so errors carry Laurel's stable codes and
  // the path of the bad field; Fastify's own schema validation is off.
  app.setValidatorCompiler(() => () => true);
  app.setErrorHandler(errorHandler);
  // JSON only (the program route adds YAML): anything else is 415, not a silently empty body.
  app.removeAllContentTypeParsers();
  registerJsonBodies(app, ctx.config.api.jsonMaxDepth);

  const listing: RouteListing = { contracts: [], undeclared: [] };
  const patterns: { method: string; url: string; pattern: RegExp; params: number }[] = [];
  app.decorate('laurelRoutes', listing);
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]) as HTTPMethods[];
    if (methods.every((m) => m === 'HEAD')) return; // Fastify's HEAD twin of a GET route
    for (const method of methods) patterns.push({ method, url: route.url, pattern: pathPattern(route.url), params: (route.url.match(/:/g) ?? []).length });
    if (route.config?.contract) listing.contracts.push(route.config.contract);
    else if (!route.url.startsWith(DOCUMENTATION_PREFIX) && !isWebPage(route)) listing.undeclared.push({ method: methods.join(','), url: route.url });
  });
  /** The methods of the declared path a URL names: the most specific pattern that matches it. */
  const allowedMethods = (path: string): string[] => {
    const matching = patterns.filter((p) => p.pattern.test(path));
    const fewest = Math.min(...matching.map((p) => p.params));
    const best = matching.find((p) => p.params === fewest);
    return best ? [...new Set(matching.filter((p) => p.url === best.url).map((p) => p.method))] : [];
  };
  // A known path with another method is 405 with Allow (decided before any body is read: a method
  // Fastify does not route, such as QUERY, would otherwise fail on its content type first).
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(path);
    if (allowed.length === 0) return;
    return sendProblem(reply.header('allow', allowed.join(', ')), problem(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`));
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));

  let document: OpenApiDocument | undefined;
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'Laurel API', version: '1' } },
    // The document is built from the route declarations (every route is declared with defineRoute);
    // @fastify/swagger only serves it to swagger-ui.
    transformObject: () => (document ??= buildOpenApiDocument(listing.contracts)) as never,
  });
  await app.register(swaggerUi, { routePrefix: DOCUMENTATION_PREFIX });
  registerContractCheck(app, ctx.config.apiContractCheck);
  registerMetrics(app);
  registerAuthentication(app, { pool: ctx.pool, memberTokenSecret: ctx.config.memberTokenSecret, keyCacheMs: ctx.config.api.keyCacheMs });
  registerRateLimits(app, new RateLimiter(ctx.redis, ctx.config.queuePrefix, ctx.config.api.rateLimit));
  registerRoutes(app, ctx);
  registerWebPages(app, ctx.config.web);
  return app;
}
