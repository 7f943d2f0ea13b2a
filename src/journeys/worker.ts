import { createRequire } from 'node:module';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { Queue } from 'bullmq';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from '../db/index.js';
import type { DeliveryJob } from '../messaging/delivery/queue.js';
import { createStackCheckActivities } from './stack-check/activities.js';
import { createMissionActivities } from './missions/activities.js';
import { createContestActivities } from './contests/activities.js';
import { createExpiryActivities } from './expiry/activities.js';
import { createTierReviewActivities } from './tiers/activities.js';
import { createWinbackActivities } from './winback/activities.js';
import type { Channel } from '../messaging/templates/index.js';
import { createCampaignActivities } from './campaigns/activities.js';
import { createDrawActivities } from './draws/activities.js';
import { createLifecycleJourneyActivities } from './lifecycle/activities.js';
import type { DrawSettings } from './draws/lifecycle.js';
import { installTemporalRuntime } from './runtime.js';
import type { Logger } from '../log/index.js';
import { heartbeatWhileRunning } from './heartbeat.js';

const require = createRequire(import.meta.url);
export const WORKFLOWS_PATH = require.resolve('../../workflows/index.ts');

export interface JourneyDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
  /** Journeys that start other journeys (the tier review starts win-backs). */
  temporal: Client;
  taskQueue: string;
  /** Contest leaderboards; keys under `prefix`. */
  redis: Redis;
  prefix: string;
  /** Channels member notifications go out on (config NOTIFY_CHANNELS). */
  channels: readonly Channel[];
  /** Prize draws: draw key, drand chains and relay, publish dir (absent: draws cannot run here). */
  draws?: DrawSettings;
}

/** All activities of every journey, built over the shared dependencies. */
export function createActivities(deps: JourneyDeps) {
  return {
    ...createStackCheckActivities(deps),
    ...createMissionActivities(deps),
    ...createContestActivities(deps),
    ...createExpiryActivities(deps),
    ...createTierReviewActivities(deps),
    ...createWinbackActivities(deps),
    ...createCampaignActivities(deps),
    ...createDrawActivities(deps),
    ...createLifecycleJourneyActivities(deps),
  };
}

/** Bundling takes seconds: tests bundle once and hand the bundle to every worker they create. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
}

/**
 * Workflows the journeys worker keeps in its sticky cache (an evicted one replays its history on
 * its next task). Set explicitly: the SDK sizes the cache from the V8 heap limit (600 per GB above
 * 200 MB), which under the worker's 256 MB heap cap comes to about 50 and on an uncapped host to
 * thousands. Measured under the 256 MB cap: 300 open mission workflows (3 signals each) grew the
 * process by 127 MB with room to cache all of them and by 94 MB with a cache of 50, so a cached
 * workflow costs roughly 0.1–0.4 MB; 200 keeps the worker (294 MB peak in bench:campaign at
 * 100,000 members) under its 400 MB goal while a busy month's missions replay less.
 */
export const JOURNEY_MAX_CACHED_WORKFLOWS = 200;

export interface JourneyWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: JourneyDeps;
  bundle?: { code: string };
  logger: Logger;
  /** Workflows kept in the sticky cache (default `JOURNEY_MAX_CACHED_WORKFLOWS`). */
  maxCachedWorkflows?: number;
}

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  installTemporalRuntime(opts.logger);
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    interceptors: { activity: [heartbeatWhileRunning()] },
    maxCachedWorkflows: opts.maxCachedWorkflows ?? JOURNEY_MAX_CACHED_WORKFLOWS,
    ...(opts.bundle ? { workflowBundle: opts.bundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
  return { worker, connection };
}
