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
import type { DrawSettings } from './draws/lifecycle.js';
import { installTemporalRuntime } from './runtime.js';
import type { Logger } from '../log/index.js';

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
  };
}

/** Bundling takes seconds: tests bundle once and hand the bundle to every worker they create. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
}

export interface JourneyWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: JourneyDeps;
  bundle?: { code: string };
  logger: Logger;
}

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  installTemporalRuntime(opts.logger);
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.bundle ? { workflowBundle: opts.bundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
  return { worker, connection };
}
