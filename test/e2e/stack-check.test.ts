import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJourneysRole, startWorkerRole, type Role } from '../../src/roles/index.js';
import { readToolPaths } from '../../src/dev/tools.js';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { waitForMail } from '../support/mailbox.js';

const run = promisify(execFile);

describe('the whole path: Temporal workflow -> Postgres -> BullMQ -> SMTP', () => {
  let env: TestEnv;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv();
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  });

  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  it('a workflow activity writes the send record and the delivery worker mails it', async () => {
    const checkId = `${env.id}-1`;
    const recipient = `${checkId}@example.test`;
    const handle = await env.ctx.temporal.workflow.start('stackCheckWorkflow', {
      workflowId: `stack-check:${checkId}`,
      taskQueue: env.config.taskQueue,
      args: [{ checkId, recipient }],
    });
    const result = (await handle.result()) as { messageId: string };
    expect(result.messageId).toBe(`stack-check.${checkId}`);

    const { rows } = await env.ctx.pool.query('SELECT workflow_id, message_id FROM stack_checks WHERE id = $1', [checkId]);
    expect(rows).toEqual([{ workflow_id: `stack-check:${checkId}`, message_id: result.messageId }]);

    const mail = await waitForMail(env.stack.mailboxUrl, recipient);
    expect(mail).toHaveLength(1);
    expect(mail[0]?.subject).toBe(`Laurel stack check ${checkId}`);
    expect(mail[0]?.text).toContain('Temporal, PostgreSQL, Redis and SMTP all answered');

    // The send record is marked sent only after SMTP accepted the message.
    const sent = await env.ctx.pool.query('SELECT status, attempts, sent_at FROM messages WHERE id = $1', [result.messageId]);
    expect(sent.rows[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(sent.rows[0].sent_at).toBeInstanceOf(Date);
  });

  it('running the same check id twice sends one mail (deterministic workflow and job ids)', async () => {
    const checkId = `${env.id}-2`;
    const recipient = `${checkId}@example.test`;
    const start = () =>
      env.ctx.temporal.workflow.execute('stackCheckWorkflow', {
        workflowId: `stack-check:${checkId}`,
        taskQueue: env.config.taskQueue,
        args: [{ checkId, recipient }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
    await start();
    await start();
    await waitForMail(env.stack.mailboxUrl, recipient, 1);
    await new Promise((r) => setTimeout(r, 1500)); // time for a wrong second delivery to arrive
    const mail = await waitForMail(env.stack.mailboxUrl, recipient, 2, 500);
    expect(mail).toHaveLength(1);
  });

  it('the workflow is visible to the real Temporal CLI', async () => {
    const checkId = `${env.id}-3`;
    await env.ctx.temporal.workflow.execute('stackCheckWorkflow', {
      workflowId: `stack-check:${checkId}`,
      taskQueue: env.config.taskQueue,
      args: [{ checkId, recipient: `${checkId}@example.test` }],
    });
    const temporal = readToolPaths(PROJECT_ROOT).temporalCli;
    const deadline = Date.now() + 20_000;
    let listed: { workflowId?: string; execution?: { workflowId?: string }; type?: { name?: string } }[] = [];
    // Visibility is eventually consistent: poll briefly.
    while (Date.now() < deadline) {
      const { stdout } = await run(temporal, [
        'workflow', 'list',
        '--address', env.urls.temporalAddress,
        '--namespace', env.config.temporalNamespace,
        '--query', `WorkflowId = 'stack-check:${checkId}'`,
        '--output', 'json',
      ]);
      listed = stdout.trim() ? (JSON.parse(stdout) as typeof listed) : [];
      if (listed.length > 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(listed).toHaveLength(1);
    expect(listed[0]?.execution?.workflowId).toBe(`stack-check:${checkId}`);
    expect(listed[0]?.type?.name).toBe('stackCheckWorkflow');
  });
});
