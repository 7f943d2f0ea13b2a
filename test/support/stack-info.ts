import { availableParallelism } from 'node:os';

/** What the global setup hands every test file about the running stack. */
export interface StackInfo {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  mailboxUrl: string;
  dataDir: string;
}

/** Migrated once per run; each test file clones it into a database of its own. */
export const TEMPLATE_DB = 'laurel_test_template';

/**
 * Temporal workflow ids are unique per namespace, and test files name workflows after their own
 * members and journeys (`journey:series:dc0001:1`) or fixed ids (the `tier-review` schedule): two
 * files running at once in one namespace could signal or refuse each other's workflows. Each vitest
 * worker (VITEST_POOL_ID, 1..maxWorkers) therefore has a namespace of its own, registered by the
 * global setup; the files one worker runs follow each other, as they do when the suite runs in one
 * worker (the default on 2 cores).
 */
export function testNamespace(poolId: string | undefined = process.env.VITEST_POOL_ID): string {
  const n = Number(poolId ?? '1');
  return `laurel-test-${Number.isInteger(n) && n > 0 ? n : 1}`;
}

/**
 * vitest's worker count: its own rule (maxWorkers, else the CPUs less one) with a ceiling, since
 * every integration file shares one PostgreSQL and one Temporal dev server.
 */
export const TEST_MAX_WORKERS = Math.min(4, Math.max(1, availableParallelism() - 1));
