import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/index.js';
import { createApiKey, type ApiKeyRole } from '../../src/auth/index.js';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { addDaysToLocalDate, formatLocalDate, toLocalDate } from '../../src/program/calendar.js';
import { loadProgramFile, validateProgram, type ProgramDefinition } from '../../src/program/index.js';
import { currentProgram, publishProgram } from '../../src/program/store.js';
import type { TestEnv } from './test-env.js';

export async function publishExample(env: TestEnv, name: 'reference' | 'hotel' = 'reference'): Promise<ProgramDefinition> {
  const program = await loadProgramFile(join(PROJECT_ROOT, 'examples', `${name}.yaml`));
  await publishProgram(env.ctx.pool, program, 'test');
  return program;
}

/** A variant of the reference program, for tests that need other numbers. */
export async function publishVariant(env: TestEnv, change: (p: ProgramDefinition) => unknown): Promise<ProgramDefinition> {
  const base = await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml'));
  const program = validateProgram(change(structuredClone(base)) ?? base);
  await publishProgram(env.ctx.pool, program, 'test');
  return program;
}

/**
 * The program's local day (YYYY-MM-DD) at an instant, shifted by whole days: what the reports API
 * means by a date. Never the UTC date: from local midnight in Tehran (20:30 UTC) they differ.
 */
export async function programDay(env: TestEnv, at = new Date(), shiftDays = 0): Promise<string> {
  const { timeZone } = (await currentProgram(env.ctx.pool)).definition;
  return formatLocalDate(addDaysToLocalDate(toLocalDate(at, timeZone), shiftDays));
}

export async function apiKey(env: TestEnv, role: ApiKeyRole, partnerId?: string, dailyPointCap?: number): Promise<string> {
  return (await createApiKey(env.ctx.pool, { role, name: `test-${role}`, partnerId, dailyPointCap })).key;
}

/** An in-process API over the test env's real connections, called with app.inject. */
export class Api {
  private constructor(readonly app: FastifyInstance) {}

  static async start(env: TestEnv): Promise<Api> {
    const app = await buildServer(env.ctx);
    await app.ready();
    return new Api(app);
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown> & { code?: string }) : {}, headers: res.headers };
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
