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
import { TEMPLATE_DB, type StackInfo } from './stack-info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
    workflowBundle: { code: string };
  }
}

/**
 * Starts one real stack for the whole run (or uses the services named in env: TEST_DATABASE_URL,
 * TEST_REDIS_URL, TEST_TEMPORAL_ADDRESS, TEST_SMTP_URL + TEST_MAILBOX_URL), migrates a template
 * database that every test file clones, and bundles the workflows once.
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
    const [bundle] = await Promise.all([bundleWorkflows(), prepareTemplate(stack.databaseUrl)]);
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
