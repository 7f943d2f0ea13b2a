import { buildServer } from '../api/index.js';
import type { AppContext } from '../app/context.js';
import type { Role } from './role.js';
import { ServiceError } from '../errors/index.js';

export async function startApiRole(ctx: AppContext): Promise<Role & { url: string }> {
  const app = await buildServer(ctx);
  try {
    await app.listen({ host: ctx.config.host, port: ctx.config.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ServiceError('api', `port ${ctx.config.port} is in use; set PORT to another port`, { cause: err });
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.port;
  return {
    name: 'api',
    url: `http://${ctx.config.host}:${port}`,
    async stop() {
      await app.close();
    },
  };
}
