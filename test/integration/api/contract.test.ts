import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/api/index.js';
import { ConflictError } from '../../../src/errors/index.js';
import { defineRoute } from '../../../src/api/route.js';
import { openApiPath, type OpenApiDocument } from '../../../src/api/openapi.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { apiKey, publishExample } from '../../support/ledger-fixture.js';

/**
 * The API contract: /docs/json is a valid OpenAPI 3.1 document built from the route declarations,
 * every route is declared, and every declared route refuses control characters in every text input.
 */
describe('API contract', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let doc: OpenApiDocument;
  let admin: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    admin = await apiKey(env, 'admin');
    app = await buildServer(env.ctx);
    await app.ready();
    doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('GET /docs/json is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = /#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name, `${ref} points into components.schemas`).toBeDefined();
      expect(doc.components.schemas[name!], `${ref} resolves`).toBeDefined();
    }
  });

  it('every schema in the document compiles as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const text = JSON.stringify(doc).replaceAll('#/components/schemas/', 'laurel:components#/$defs/');
    const rewritten = JSON.parse(text) as OpenApiDocument;
    ajv.addSchema({ $id: 'laurel:components', $defs: rewritten.components.schemas });
    const compiled = new Set<string>();
    for (const [path, operations] of Object.entries(rewritten.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const schemas: unknown[] = [];
        JSON.stringify(op, (key, value) => {
          if (key === 'schema') schemas.push(value);
          return value;
        });
        for (const schema of schemas) {
          const key = JSON.stringify(schema);
          if (compiled.has(key)) continue;
          compiled.add(key);
          expect(() => ajv.compile(schema as object), `${method.toUpperCase()} ${path}`).not.toThrow();
        }
      }
    }
  });

  it('every route is declared with defineRoute (request and response schemas, problem codes)', () => {
    expect(app.laurelRoutes.undeclared).toEqual([]);
    for (const contract of app.laurelRoutes.contracts) {
      const op = doc.paths[openApiPath(contract.url)]?.[contract.method.toLowerCase()] as { responses: Record<string, unknown> } | undefined;
      expect(op, `${contract.method} ${contract.url} is in the document`).toBeDefined();
      const statuses = Object.keys(op!.responses).map(Number);
      // A success response, unless the route only ever names what exists (a catch-all answering a problem).
      const problemsOnly = Object.keys(contract.responses).length === 0;
      expect(problemsOnly || statuses.some((s) => s >= 200 && s < 300), `${contract.method} ${contract.url} has a success response`).toBe(true);
      expect(statuses.filter((s) => s >= 400).length, `${contract.method} ${contract.url} documents its problems`).toBeGreaterThan(0);
    }
    const ids = app.laurelRoutes.contracts.map((c) => c.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every declared route refuses NUL and other control characters in its text inputs with 400', async () => {
    const member = await app.inject({ method: 'PUT', url: '/v1/members/contract-m', headers: { authorization: `Bearer ${admin}` }, payload: {} });
    expect(member.statusCode).toBe(201);
    for (const contract of app.laurelRoutes.contracts) {
      const concrete = contract.url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => (name === 'id' || name === 'memberId' ? 'contract-m' : 'x'));
      const attempts: { what: string; url: string; payload?: unknown }[] = [];
      // JSON bodies (uploads in CSV or NDJSON are checked line by line by the import).
      if (contract.body && contract.bodyTypes.includes('application/json')) {
        attempts.push({ what: 'a string value', url: concrete, payload: { name: 'a\u0000b', memberId: 'contract-m\u0000' } });
        attempts.push({ what: 'an object key', url: concrete, payload: { 'k\u0007': 'v' } });
        attempts.push({ what: 'an unpaired surrogate', url: concrete, payload: JSON.parse('{"name":"\\ud800"}') });
      }
      if (contract.query) attempts.push({ what: 'a query value', url: `${concrete}?limit=%00` });
      if (contract.params) attempts.push({ what: 'a path parameter', url: contract.url.replace(/:([A-Za-z0-9_]+)/g, 'a%00b') });
      for (const attempt of attempts) {
        const res = await app.inject({
          method: contract.method,
          url: attempt.url,
          headers: { authorization: `Bearer ${admin}`, ...(attempt.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(attempt.payload !== undefined ? { payload: JSON.stringify(attempt.payload) } : {}),
        });
        const where = `${contract.method} ${contract.url} with a control character in ${attempt.what}`;
        expect(res.statusCode, `${where}: ${res.body}`).toBe(400);
        expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
        expect(contract.problems[400], where).toContain(res.json().code);
      }
    }
  });

  it('a known path with another method answers 405 with Allow', async () => {
    const res = await app.inject({ method: 'PATCH', url: '/v1/members/someone', headers: { authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(405);
    expect(String(res.headers.allow).split(', ').sort()).toEqual(['DELETE', 'GET', 'PUT']);
    expect(res.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('public routes ignore bad credentials; protected routes refuse them with 401', async () => {
    const publicRoute = await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer nope' } });
    expect(publicRoute.statusCode).toBe(200);
    const protectedRoute = await app.inject({ method: 'GET', url: '/v1/rewards', headers: { authorization: 'Bearer nope' } });
    expect(protectedRoute.statusCode).toBe(401);
    expect(protectedRoute.json()).toMatchObject({ code: 'unauthorized' });
  });
});

describe('contract check (API_CONTRACT_CHECK=strict)', () => {
  let env: TestEnv;
  let app: FastifyInstance;

  beforeAll(async () => {
    env = await createTestEnv();
    app = await buildServer(env.ctx);
    defineRoute(app, {
      method: 'GET',
      url: '/test/drift',
      tags: ['test'],
      summary: 'answers outside its declaration on demand',
      auth: 'public',
      query: z.strictObject({ answer: z.enum(['ok', 'wrong-shape', 'undeclared-problem', 'undeclared-status']) }),
      responses: { 200: z.object({ n: z.int() }) },
      problems: { 409: ['declared_conflict'] },
      handler: async ({ query, reply }) => {
        if (query.answer === 'wrong-shape') return { n: 'one' } as never;
        if (query.answer === 'undeclared-problem') throw new ConflictError('surprise', 'not declared');
        if (query.answer === 'undeclared-status') reply.code(202);
        return { n: 1 };
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('an answer inside the declaration passes; one outside is 500 contract_violation naming the drift', async () => {
    expect((await app.inject({ method: 'GET', url: '/test/drift?answer=ok' })).json()).toEqual({ n: 1 });
    const shape = await app.inject({ method: 'GET', url: '/test/drift?answer=wrong-shape' });
    expect(shape.statusCode).toBe(500);
    expect(shape.json()).toMatchObject({ code: 'contract_violation', detail: expect.stringMatching(/body outside its schema: n:/) });
    const problem = await app.inject({ method: 'GET', url: '/test/drift?answer=undeclared-problem' });
    expect(problem.json()).toMatchObject({ code: 'contract_violation', detail: expect.stringMatching(/409 surprise, which it does not declare/) });
    const status = await app.inject({ method: 'GET', url: '/test/drift?answer=undeclared-status' });
    expect(status.json()).toMatchObject({ code: 'contract_violation', detail: expect.stringMatching(/answered 202/) });
  });
});
