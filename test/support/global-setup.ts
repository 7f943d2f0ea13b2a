import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { readToolPaths } from '../../src/dev/tools.js';
import { startStack, type RunningStack } from '../../src/dev/stack.js';
import { findFreePort } from '../../src/dev/ports.js';
import { createPool, migrate } from '../../src/db/index.js';
import { bundleWorkflows } from '../../src/journeys/index.js';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { TEMPLATE_DB, TEST_MAX_WORKERS, testNamespace, type StackInfo } from './stack-info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
    workflowBundle: { code: string };
  }
}

/**
 * Starts one real stack for the whole run (or uses the services named in env: TEST_DATABASE_URL,
 * TEST_REDIS_URL, TEST_TEMPORAL_ADDRESS, TEST_SMTP_URL + TEST_MAILBOX_URL), migrates a template
 * database that every test file clones, registers one Temporal namespace per vitest worker, and
 * bundles the workflows once.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = process.env;
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-test-'));
  const external = {
    databaseUrl: env.TEST_DATABASE_URL,
    redisUrl: env.TEST_REDIS_URL,
    temporalAddress: env.TEST_TEMPORAL_ADDRESS,
    smtpUrl: env.TEST_SMTP_URL,
  };
  const needsTools = Object.values(external).some((v) => !v);
  const ports = {
    postgres: await findFreePort(),
    redis: await findFreePort(),
    temporal: await findFreePort(),
    temporalUi: await findFreePort(),
    smtp: await findFreePort(),
    mailbox: await findFreePort(),
  };
  let stack: RunningStack | undefined;
  const t0 = Date.now();
  try {
    stack = await startStack({
      tools: needsTools ? readToolPaths(PROJECT_ROOT) : { temporalCli: '', redisServer: '', postgresBin: '', postgresRunAs: '', maildev: '' },
      dataDir,
      ports,
      external,
      ephemeral: true,
    });
    const [bundle] = await Promise.all([bundleWorkflows(), prepareTemplate(stack.databaseUrl), registerNamespaces(stack.temporalAddress, workerCount(project))]);
    const mailboxUrl = stack.mailboxUrl ?? env.TEST_MAILBOX_URL;
    if (!mailboxUrl) throw new Error('TEST_MAILBOX_URL must name the mailbox API when TEST_SMTP_URL is given');
    project.provide('stack', {
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      temporalAddress: stack.temporalAddress,
      smtpUrl: stack.smtpUrl,
      mailboxUrl,
      dataDir,
    });
    project.provide('workflowBundle', { code: bundle.code });
    process.stderr.write(`test stack ready in ${Date.now() - t0} ms (${dataDir})\n`);
  } catch (err) {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

async function prepareTemplate(databaseUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${TEMPLATE_DB}`;
  const pool = createPool(url.toString(), 2);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/** How many workers may run files (VITEST_POOL_ID goes 1..this), also when --maxWorkers is given. */
function workerCount(project: TestProject): number {
  return Math.max(Number(project.config.maxWorkers) || 0, Number(project.vitest.config.maxWorkers) || 0, TEST_MAX_WORKERS);
}

/**
 * One namespace per vitest worker (see testNamespace). Registered here, not by the files, and
 * waited for: a namespace is usable once the frontend finds it (and lists its workflows).
 */
async function registerNamespaces(address: string, workers: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const names = Array.from({ length: workers }, (_, i) => testNamespace(String(i + 1)));
    for (const namespace of names) {
      try {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      } catch (err) {
        // ALREADY_EXISTS (6): a server given in TEST_TEMPORAL_ADDRESS that a previous run registered.
        if ((err as { code?: number }).code !== 6) throw err;
      }
    }
    const deadline = Date.now() + 60_000;
    for (const namespace of names) {
      for (;;) {
        try {
          await connection.workflowService.describeNamespace({ namespace });
          await connection.workflowService.countWorkflowExecutions({ namespace, query: '' });
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`Temporal namespace ${namespace} not usable: ${(err as Error).message}`, { cause: err });
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  } finally {
    await connection.close();
  }
}
