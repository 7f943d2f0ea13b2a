import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { loadConfig, requireServiceUrls, type LaurelConfig, type ServiceUrls } from '../config/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { openAppContext, type AppContext } from '../app/context.js';
import type { Role } from '../roles/index.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Resolves once SIGINT or SIGTERM arrives (Ctrl-C, docker stop, systemd). */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export interface StandaloneRole {
  config: LaurelConfig;
  logger: Logger;
  ctx: AppContext;
}

/** For `laurel api|worker|journeys`: every service comes from env; nothing is spawned. */
export async function openStandalone(needed: readonly (keyof ServiceUrls)[]): Promise<StandaloneRole> {
  const config = loadConfig();
  const urls: ServiceUrls = requireServiceUrls(config, needed);
  const logger = createLogger(config.logLevel);
  const ctx = await openAppContext(config, urls, logger);
  return { config, logger, ctx };
}

/** Runs roles until a shutdown signal, then stops them in reverse order and closes connections. */
export async function runUntilSignal(ctx: AppContext, roles: Role[], onStopped?: () => Promise<void>): Promise<void> {
  const signal = await waitForShutdownSignal();
  ctx.logger.info({ signal }, 'shutting down');
  for (const role of [...roles].reverse()) await role.stop();
  await ctx.close();
  await onStopped?.();
}
