import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { declaresProblem } from './problem-codes.js';
import { problem } from './problem.js';
import type { ResponseEntry, ResponseSpec, RouteContract } from './route.js';

/** off: trust the declarations; log: log each answer outside them; strict: also answer 500 contract_violation (tests). */
export type ContractCheckMode = 'off' | 'log' | 'strict';

/** The schema a body of this media type must match: undefined when the entry does not declare the type. */
function schemaFor(entry: ResponseEntry | undefined, mediaType: string): z.ZodType | null | undefined {
  if (entry === undefined) return undefined;
  if (entry === null) return null;
  if ('contentType' in entry && typeof entry.contentType === 'string') {
    const spec = entry as ResponseSpec;
    if (spec.contentType.split(';')[0] === mediaType) return spec.schema ?? null;
    return spec.also?.[mediaType];
  }
  return mediaType === 'application/json' ? (entry as z.ZodType) : undefined;
}

/** What is wrong with an answer of a declared route, or undefined when it keeps its contract. */
export function contractViolation(contract: RouteContract, status: number, payload: unknown, contentType = 'application/json'): string | undefined {
  const where = `${contract.method} ${contract.url}`;
  if (status >= 400 && !(status in contract.responses)) {
    const code = typeof payload === 'string' ? (safeJson(payload) as { code?: unknown } | undefined)?.code : undefined;
    if (typeof code !== 'string') return `${where} answered ${status} without a problem code`;
    if (status >= 500 && code === 'internal_error') return undefined; // a bug, logged where it happened; never declared
    return declaresProblem(contract.problems, status, code) ? undefined : `${where} answered ${status} ${code}, which it does not declare`;
  }
  if (!(status in contract.responses)) return `${where} answered ${status}, which it does not declare`;
  const entry = contract.responses[status as keyof typeof contract.responses];
  if (entry === null) return undefined;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const schema = schemaFor(entry, mediaType);
  if (schema === undefined) return `${where} answered ${status} as ${mediaType}, which it does not declare`;
  if (schema === null || typeof payload !== 'string' || !mediaType.endsWith('json')) return undefined;
  const result = schema.safeParse(safeJson(payload));
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  return `${where} answered ${status} with a body outside its schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Checks every answer of a declared route against its declaration (responses and problem codes). */
export function registerContractCheck(app: FastifyInstance, mode: ContractCheckMode): void {
  if (mode === 'off') return;
  app.addHook('onSend', async (request, reply, payload) => {
    const contract = request.routeOptions.config.contract;
    if (!contract || request.method === 'HEAD') return payload;
    const violation = contractViolation(contract, reply.statusCode, payload, String(reply.getHeader('content-type') ?? 'application/json'));
    if (!violation) return payload;
    request.log.error({ route: `${contract.method} ${contract.url}`, status: reply.statusCode }, `contract violation: ${violation}`);
    if (mode !== 'strict') return payload;
    reply.code(500).type('application/problem+json');
    return JSON.stringify(problem(500, 'contract_violation', violation, { instance: request.url }));
  });
}
