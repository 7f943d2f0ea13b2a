import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { buildWeb } from '../../web/build.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { Api } from '../support/ledger-fixture.js';

/** The api role serves the built pages: HTML never cached, hashed assets precompressed and immutable. */
describe('web pages served by the api role', () => {
  let env: TestEnv;
  let api: Api;

  beforeAll(async () => {
    await buildWeb({ ifChanged: true, quiet: true });
    env = await createTestEnv({ WIDGET_FRAME_ANCESTORS: 'https://shop.example' });
    api = await Api.start(env);
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('serves /console, /widget and /draws/:id with their CSP; / goes to the console', async () => {
    for (const [url, ancestors] of [
      ['/console', "frame-ancestors 'none'"],
      ['/console/members/sara', "frame-ancestors 'none'"],
      ['/widget', 'frame-ancestors https://shop.example'],
      ['/draws/yalda', "frame-ancestors 'none'"],
    ] as const) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(String(res.headers['content-security-policy'])).toContain(ancestors);
      expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(res.body).toMatch(/<script type="module" crossorigin src="\/ui\/assets\/[^"]+\.js"><\/script>/);
    }
    const root = await api.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console');
  });

  it('serves hashed assets brotli- or gzip-compressed as built, cached for a year', async () => {
    const html = (await api.app.inject({ method: 'GET', url: '/draws/x' })).body;
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const plain = readFileSync(join(env.config.web.dir, script.replace('/ui/', '')));
    const br = await api.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers['cache-control'])).toContain('immutable');
    expect(br.rawPayload.length).toBeLessThan(plain.length);
    const identity = await api.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'identity' } });
    expect(identity.rawPayload.equals(plain)).toBe(true);
    expect((await api.app.inject({ method: 'GET', url: '/ui/assets/nope-123.js' })).statusCode).toBe(404);
  });

  it('says in one page how to build when there is no build', async () => {
    const app = await buildServer({ ...env.ctx, config: { ...env.ctx.config, web: { ...env.ctx.config.web, dir: mkdtempSync(join(tmpdir(), 'laurel-no-web-')) } } });
    try {
      const res = await app.inject({ method: 'GET', url: '/console' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build:web');
    } finally {
      await app.close();
    }
  });

  it('lists the drand chains a draw may use, publicly', async () => {
    const res = await api.call('GET', '/v1/public/drand-chains', undefined);
    expect(res.status).toBe(200);
    expect((res.body.chains as { name: string }[]).map((c) => c.name)).toContain('quicknet');
  });
});
