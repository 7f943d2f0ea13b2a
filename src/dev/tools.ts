import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceError } from '../errors/index.js';

/** Where scripts/bootstrap found each service binary (it writes .laurel/tools.env). */
export interface ToolPaths {
  temporalCli: string;
  redisServer: string;
  postgresBin: string;
  /** Unprivileged user PostgreSQL runs as when Laurel runs as root ('' when not root). */
  postgresRunAs: string;
  maildev: string;
}

export function readToolPaths(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ToolPaths {
  const file = join(projectRoot, '.laurel', 'tools.env');
  const recorded: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) recorded[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  const pick = (name: string): string => env[name] || recorded[name] || '';
  const tools: ToolPaths = {
    temporalCli: pick('TEMPORAL_CLI'),
    redisServer: pick('REDIS_SERVER'),
    postgresBin: pick('POSTGRES_BIN'),
    postgresRunAs: pick('POSTGRES_RUN_AS'),
    maildev: pick('MAILDEV'),
  };
  const missing = (['temporalCli', 'redisServer', 'postgresBin', 'maildev'] as const).filter((k) => !tools[k]);
  if (missing.length > 0) {
    throw new ServiceError('bootstrap', `no path recorded for ${missing.join(', ')}: run scripts/bootstrap (npm start and npm test run it)`);
  }
  return tools;
}
