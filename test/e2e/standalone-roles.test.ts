import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { findFreePort } from '../../src/dev/ports.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { waitForMail } from '../support/mailbox.js';

/** `laurel api`, `laurel worker` and `laurel journeys` as separate processes against external services. */
describe('the roles alone, each its own process', () => {
  let env: TestEnv;
  const children: ChildProcess[] = [];
  let apiPort: number;

  function role(name: string, extra: NodeJS.ProcessEnv = {}): ChildProcess {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/laurel.js'), name], {
      env: {
        ...process.env,
        DATABASE_URL: env.urls.databaseUrl,
        REDIS_URL: env.urls.redisUrl,
        TEMPORAL_ADDRESS: env.urls.temporalAddress,
        TEMPORAL_NAMESPACE: env.config.temporalNamespace,
        SMTP_URL: env.urls.smtpUrl,
        QUEUE_PREFIX: env.config.queuePrefix,
        TEMPORAL_TASK_QUEUE: env.config.taskQueue,
        LOG_LEVEL: 'warn',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    env = await createTestEnv();
    apiPort = await findFreePort();
    role('worker');
    role('journeys');
    role('api', { PORT: String(apiPort) });
  });

  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    await env?.cleanup();
  });

  it('the api answers /readyz, and a journey started from outside is mailed by the worker process', async () => {
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = await fetch(`http://127.0.0.1:${apiPort}/readyz`).then((r) => r.status, () => 0);
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);

    const checkId = `${env.id}-standalone`;
    const result = await env.ctx.temporal.workflow.execute('stackCheckWorkflow', {
      workflowId: `stack-check:${checkId}`,
      taskQueue: env.config.taskQueue,
      args: [{ checkId, recipient: `${checkId}@example.test` }],
    });
    expect(result).toEqual({ messageId: `stack-check.${checkId}` });
    const mail = await waitForMail(env.stack.mailboxUrl, `${checkId}@example.test`);
    expect(mail).toHaveLength(1);
  });

  it('SIGTERM stops each role cleanly (exit 0)', async () => {
    const codes = await Promise.all(
      children.map(
        (c) =>
          new Promise<number | null>((resolve) => {
            c.once('exit', (code) => resolve(code));
            c.kill('SIGTERM');
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0]);
  });
});
