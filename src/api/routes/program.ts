import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { ValidationError } from '../../errors/index.js';
import { ProgramSchema, validateProgram } from '../../program/index.js';
import { currentProgram, publishProgram } from '../../program/store.js';
import { defineRoute } from '../route.js';
import { Timestamp } from '../schemas/common.js';
import type { ApiContext } from '../server.js';

const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];
const ProgramVersion = z.object({ version: z.int(), createdAt: Timestamp, createdBy: z.string().nullable(), definition: ProgramSchema });
const PublishedProgram = z.object({ version: z.int(), createdAt: Timestamp, definition: ProgramSchema });

export function registerProgramRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Programs are often written as YAML: accept it as well as JSON.
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body as string, { maxAliasCount: 0 }));
    } catch (err) {
      done(new ValidationError('malformed_yaml', `the body is not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`), undefined);
    }
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/program',
    tags: ['program'],
    summary: 'The program version in force',
    auth: { roles: ['admin', 'marketer'] },
    responses: { 200: ProgramVersion },
    problems: { 404: ['no_program'] },
    handler: async () => {
      const program = await currentProgram(ctx.pool);
      return { version: program.version, createdAt: program.createdAt, createdBy: program.createdBy, definition: program.definition };
    },
  });

  defineRoute(app, {
    method: 'PUT',
    url: '/v1/program',
    tags: ['program'],
    summary: 'Store a new program version (JSON or YAML); history is never rewritten',
    auth: { roles: ['admin'] },
    body: ProgramSchema,
    bodyTypes: ['application/json', ...YAML_TYPES],
    parseBody: validateProgram,
    inputCodes: { body: 'invalid_program' },
    responses: { 201: PublishedProgram },
    problems: { 400: ['malformed_yaml'], 409: ['tier_in_use'] },
    handler: async ({ body, principal, request }) => {
      const program = await publishProgram(ctx.pool, body, actorOf(principal), request.headers['content-type']?.includes('yaml') ? 'yaml' : 'json');
      return { version: program.version, createdAt: program.createdAt, definition: program.definition };
    },
  });
}
