import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** How often a running activity tells Temporal it is alive: well inside ACTIVITY_HEARTBEAT_TIMEOUT. */
export const ACTIVITY_HEARTBEAT_MS = 5_000;

/**
 * Every activity of the journeys worker heartbeats while it runs, so that a workflow's
 * `heartbeatTimeout` notices a killed worker within that timeout instead of waiting out the
 * activity's whole `startToCloseTimeout` (10–30 minutes for draws, expiry, tier reviews: the
 * chaos run found a draw stalled for 10 minutes after a SIGKILL of the journeys role). The
 * heartbeat carries no details: activities that resume from details heartbeat themselves.
 * Local activities (the lifecycle journey's steps) are skipped: they run inside the workflow task,
 * Temporal knows no task of theirs to heartbeat, and each attempt would log "UnknownActivity".
 */
export function heartbeatWhileRunning(intervalMs = ACTIVITY_HEARTBEAT_MS): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        if (ctx.info.isLocal) return next(input);
        ctx.heartbeat();
        const timer = setInterval(() => ctx.heartbeat(), intervalMs);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    },
  });
}
