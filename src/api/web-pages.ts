import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebSettings } from '../config/index.js';

/**
 * The console (/console), the member widget (/widget) and the public draw page (/draws/:id),
 * built from web/ by Vite (bootstrap builds it). Each page is one HTML file whose scripts call the
 * public API like any other client; assets are content-hashed, served precompressed (br, gzip)
 * and cached for a year. Pages are never cached, so a new build shows at once.
 */
export type WebPage = 'console' | 'widget' | 'draw';

const ASSET_PREFIX = '/ui/assets/';

function contentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Inline style attributes (chart sizes, progress bars); no inline scripts anywhere.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    // Message previews render in sandboxed srcdoc frames.
    "frame-src 'self' about: data:",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Laurel: pages not built</title></head>
<body><main><h1>The web pages are not built</h1><p>Run <code>npm run build:web</code> (bootstrap, and so <code>npm start</code> and <code>npm test</code>, does it for you), or set WEB_DIR to a build.</p></main></body></html>`;

export function registerWebPages(app: FastifyInstance, web: WebSettings): void {
  void app.register(fastifyStatic, {
    root: join(web.dir, 'assets'),
    prefix: ASSET_PREFIX,
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
    decorateReply: false,
    index: false,
    // A build that is missing (or an old hashed name) answers 404 like any unknown route.
    schemaHide: true,
  });

  async function sendPage(reply: FastifyReply, page: WebPage): Promise<FastifyReply> {
    const frameAncestors = page === 'widget' ? web.widgetFrameAncestors : "'none'";
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(frameAncestors))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8');
    let html: string;
    try {
      html = await readFile(join(web.dir, page, 'index.html'), 'utf8');
    } catch {
      return reply.code(503).send(MISSING);
    }
    return reply.send(html);
  }

  const hidden = { schema: { hide: true } };
  app.get('/', hidden, (_request, reply) => reply.redirect('/console'));
  app.get('/console', hidden, (_request, reply) => sendPage(reply, 'console'));
  app.get('/console/*', hidden, (_request, reply) => sendPage(reply, 'console'));
  app.get('/widget', hidden, (_request, reply) => sendPage(reply, 'widget'));
  app.get('/widget/*', hidden, (_request, reply) => sendPage(reply, 'widget'));
  app.get('/draws/:id', hidden, (_request, reply) => sendPage(reply, 'draw'));
}
