import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { buildProgram } from '../../src/cli/main.js';

const run = promisify(execFile);

/** The compose client bootstrap found (`docker compose` or `docker-compose`); no engine needed. */
function composeCommand(): string[] {
  const tools = readFileSync(join(PROJECT_ROOT, '.laurel/tools.env'), 'utf8');
  const line = tools.split('\n').find((l) => l.startsWith('COMPOSE='));
  const value = line?.slice('COMPOSE='.length) ?? '';
  if (!value) throw new Error('no compose client recorded: run scripts/bootstrap --for-tests');
  return value.split(' ');
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | null>;
  ports?: unknown[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }> | string[];
}

describe('docker-compose.yml', () => {
  it('is valid for the compose client and describes the production-like stack', async () => {
    const [cmd, ...pre] = composeCommand();
    const { stdout } = await run(cmd!, [...pre, '-f', join(PROJECT_ROOT, 'docker-compose.yml'), 'config'], { cwd: PROJECT_ROOT });
    const config = parse(stdout) as { services: Record<string, ComposeService> };
    const services = config.services;
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'journeys', 'mail', 'migrate', 'postgres', 'redis', 'temporal', 'temporal-db', 'temporal-ui', 'worker'].sort(),
    );
    const redisCommand = ([] as string[]).concat(services.redis?.command ?? []).join(' ');
    expect(redisCommand).toContain('--appendonly yes');
    expect(redisCommand).toContain('--maxmemory-policy noeviction');
    // Temporal persists to its own PostgreSQL, not Laurel's.
    expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('temporal-db');

    const roles = buildProgram().commands.map((c) => c.name());
    for (const name of ['api', 'worker', 'journeys', 'migrate']) {
      const service = services[name]!;
      expect(service.build).toBeDefined();
      const command = ([] as string[]).concat(service.command ?? []);
      expect(roles).toContain(command[0]);
      expect(service.environment).toMatchObject({
        DATABASE_URL: expect.stringContaining('@postgres:5432/'),
        REDIS_URL: 'redis://redis:6379',
        TEMPORAL_ADDRESS: 'temporal:7233',
        SMTP_URL: 'smtp://mail:1025',
      });
    }
    // --scale worker=3 must make sense: no fixed name or host port on the scaled roles.
    for (const name of ['worker', 'journeys']) {
      expect(services[name]?.container_name).toBeUndefined();
      expect(services[name]?.ports ?? []).toEqual([]);
    }
  });

  it('the Dockerfile runs the laurel program', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/laurel.js"]');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });
});
