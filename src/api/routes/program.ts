import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { actorOf } from '../../auth/index.js';
import { ValidationError } from '../../errors/index.js';
import { currentProgram, publishProgram } from '../../program/store.js';
import { authorize } from '../auth.js';
import type { ApiContext } from '../server.js';

export function registerProgramRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Programs are often written as YAML: accept it as well as JSON.
  app.addContentTypeParser(['application/yaml', 'text/yaml', 'application/x-yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body as string, { maxAliasCount: 0 }));
    } catch (err) {
      done(new ValidationError('malformed_yaml', `the body is not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`), undefined);
    }
  });

  app.get('/v1/program', { schema: { tags: ['program'], summary: 'The program version in force' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const program = await currentProgram(ctx.pool);
    return { version: program.version, createdAt: program.createdAt, createdBy: program.createdBy, definition: program.definition };
  });

  app.put('/v1/program', { schema: { tags: ['program'], summary: 'Store a new program version (JSON or YAML); history is never rewritten' } }, async (request, reply) => {
    const principal = authorize(request, ['admin']);
    const program = await publishProgram(ctx.pool, request.body, actorOf(principal), request.headers['content-type']?.includes('yaml') ? 'yaml' : 'json');
    return reply.code(201).send({ version: program.version, createdAt: program.createdAt, definition: program.definition });
  });
}
