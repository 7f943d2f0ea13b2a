import { createServer } from 'node:net';
import { ServiceError } from '../errors/index.js';

/** Fails with one line naming the service when its port is taken. */
export async function assertPortFree(service: string, port: number, envVar: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new ServiceError(service, `port ${port} is in use; stop what holds it or set ${envVar} to another port`)
          : err,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port the OS says is free right now (for test stacks that must not collide). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not allocate a port');
  return address.port;
}
