import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ServiceUrls } from '../../config/index.js';
import type { Role } from '../../roles/index.js';

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run Laurel with its embedded stack (PostgreSQL, Redis, Temporal dev server, MailDev) in one process')
    .action(async () => {
      // Loaded here, not at the top: other commands should not pay for the whole stack.
      const { loadConfig } = await import('../../config/index.js');
      const { createLogger } = await import('../../log/index.js');
      const { openAppContext } = await import('../../app/context.js');
      const { migrate } = await import('../../db/index.js');
      const { readToolPaths } = await import('../../dev/tools.js');
      const { startStack } = await import('../../dev/stack.js');
      const { seedDevStack } = await import('../../dev/seed.js');
      const { startApiRole, startJourneysRole, startWorkerRole } = await import('../../roles/index.js');
      const { PROJECT_ROOT, waitForShutdownSignal } = await import('../runtime.js');
      const config = loadConfig();
      const out = (line: string): boolean => process.stdout.write(`laurel: ${line}\n`);
      const dataDir = resolve(PROJECT_ROOT, config.dataDir);
      const external = {
        databaseUrl: config.databaseUrl,
        redisUrl: config.redisUrl,
        temporalAddress: config.temporalAddress,
        smtpUrl: config.smtpUrl,
      };
      const needsTools = Object.values(external).some((v) => !v);
      const stack = await startStack({
        tools: needsTools ? readToolPaths(PROJECT_ROOT) : { temporalCli: '', redisServer: '', postgresBin: '', postgresRunAs: '', maildev: '' },
        dataDir,
        ports: config.devPorts,
        external,
        onProgress: out,
      });
      const roles: Role[] = [];
      let closeCtx: (() => Promise<void>) | undefined;
      const shutdown = async (): Promise<void> => {
        for (const role of roles.reverse()) {
          const t0 = Date.now();
          await role.stop().catch(() => undefined);
          out(`  ${role.name} stopped (${Date.now() - t0} ms)`);
        }
        await closeCtx?.().catch(() => undefined);
        const t0 = Date.now();
        await stack.stop();
        out(`  services stopped (${Date.now() - t0} ms)`);
      };
      try {
        const urls: ServiceUrls = {
          databaseUrl: stack.databaseUrl,
          redisUrl: stack.redisUrl,
          temporalAddress: stack.temporalAddress,
          smtpUrl: stack.smtpUrl,
        };
        const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
        const ctx = await openAppContext(config, urls, logger);
        closeCtx = () => ctx.close();
        const migrated = await migrate(ctx.pool);
        out(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied} already in place`);
        const seed = await seedDevStack(ctx.pool, PROJECT_ROOT, dataDir);
        if (seed.programLoaded) out(`program: loaded ${seed.programLoaded} (no program existed)`);
        roles.push(await startWorkerRole(ctx));
        roles.push(await startJourneysRole(ctx));
        const api = await startApiRole(ctx);
        roles.push(api);
        out('ready');
        out(`  API          ${api.url}   (OpenAPI docs: ${api.url}/docs)`);
        out(`  Console      ${api.url}/console   (sign in with the admin key below)`);
        out(`  Widget       ${api.url}/widget    (a member token from POST /v1/members/:id/tokens)`);
        if (stack.temporalUiUrl) out(`  Temporal UI  ${stack.temporalUiUrl}`);
        if (stack.mailboxUrl) out(`  Mailbox      ${stack.mailboxUrl}`);
        out(`  PostgreSQL   ${stack.databaseUrl}`);
        out(`  Redis        ${stack.redisUrl}`);
        out(`  admin key    ${seed.adminKey}   (saved in ${seed.keyFile}; use as "Authorization: Bearer <key>")`);
        out(`  data in ${dataDir}; Ctrl-C stops everything`);
      } catch (err) {
        await shutdown();
        throw err;
      }
      const signal = await waitForShutdownSignal();
      out(`${signal}: stopping`);
      await shutdown();
      out('stopped');
    });
}
