import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { migrate, createPool } from '../../src/db/index.js';
import { findFreePort } from '../../src/dev/ports.js';
import { startStack, type RunningStack, type StackOptions } from '../../src/dev/stack.js';
import { readToolPaths } from '../../src/dev/tools.js';

/**
 * A throwaway stack for a benchmark (the same services `laurel dev` runs, on free ports, data in a
 * temp folder), migrated. Benchmarks measure the real path against these real services.
 * `external` services (a Temporal server the benchmark started with its own settings) are used
 * instead of spawning that one.
 */
export async function startBenchStack(options: { external?: StackOptions['external'] } = {}): Promise<RunningStack & { cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-bench-'));
  const ports = {
    postgres: await findFreePort(),
    redis: await findFreePort(),
    temporal: await findFreePort(),
    temporalUi: await findFreePort(),
    smtp: await findFreePort(),
    mailbox: await findFreePort(),
  };
  const stack = await startStack({ tools: readToolPaths(PROJECT_ROOT), dataDir, ports, external: options.external ?? {}, ephemeral: true });
  const pool = createPool(stack.databaseUrl, 2);
  await migrate(pool);
  await pool.end();
  return {
    ...stack,
    async cleanup() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

/**
 * `--worker-heap-mb N`: the benchmarked worker's V8 heap cap, as a deployment with a memory limit
 * sets it (Node sizes its heap from a cgroup limit by itself; this VM has none, so V8 lets
 * short-lived garbage pile up far past what the worker keeps live). 256 MB as in docker-compose;
 * 0 runs with Node's default. Returns the cap and the Node options that apply it.
 */
export function workerHeapCap(): { mb: number; nodeOptions: string[]; label: string } {
  const i = process.argv.indexOf('--worker-heap-mb');
  const mb = i < 0 ? 256 : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(mb) || mb < 0) throw new Error('--worker-heap-mb needs a whole number of MB (0: Node default)');
  return { mb, nodeOptions: mb > 0 ? [`--max-old-space-size=${mb}`] : [], label: mb > 0 ? `${mb} MB` : 'Node default' };
}
