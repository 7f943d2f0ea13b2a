import { buildServer } from '../../../src/api/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import type { TestEnv } from '../../support/test-env.js';
import { buildWeb } from '../../../web/build.js';

/**
 * What a browser test talks to: the api role listening on a real port (serving the built pages),
 * with the worker and journeys roles behind it, on the test env's own database and queues.
 */
export interface WebStack {
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startWebStack(env: TestEnv, options: { worker?: boolean; journeys?: boolean } = {}): Promise<WebStack> {
  // Bootstrap built the pages already; this only rebuilds when a test run follows an edit.
  await buildWeb({ ifChanged: true, quiet: true });
  const roles: Role[] = [];
  if (options.worker ?? true) roles.push(await startWorkerRole(env.ctx));
  if (options.journeys ?? true) roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  const app = await buildServer(env.ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await app.close();
      for (const role of roles.reverse()) await role.stop();
    },
  };
}
