import { ActivityFailure, ApplicationFailure, condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { DrawActivities, DrawWorkflowSummary } from '../src/journeys/draws/activities.js';

// Activities heartbeat while they run (src/journeys/heartbeat.ts): a killed worker's activity is
// retried after the heartbeat timeout, not the 10 minutes. Two minutes, not one: the serial parts
// of a 10-million-member freeze (encoding, radix sort) hold the event loop for a while on a busy host.
const activities = proxyActivities<DrawActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 20 } });
/** The relay may not have the round yet (clock skew) or be down: keep asking, a bounded while. */
const relay = proxyActivities<DrawActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 60, initialInterval: '1 second', maximumInterval: '30 seconds' } });

/** The operator secret s (hex), revealed after the commit. Checked against H(s) before use. */
export const revealDrawSecretSignal = defineSignal<[string]>('revealDrawSecret');
/** Ends the entry window now (an operator closing early). */
export const closeDrawEntriesSignal = defineSignal('closeDrawEntries');
export const drawStageQuery = defineQuery<string>('drawStage');

export type DrawWorkflowResult = { status: 'void'; reason: string } | ({ status: 'closed'; awarded: number; notified: number } & DrawWorkflowSummary);

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/**
 * A prize draw, id `draw:<drawId>` (LAUREL-DRAW-v1): sleeps until the entry window closes, freezes
 * and commits the entries, waits for the randomness (until the drand round's time, then fetches
 * it; and/or until the operator reveals s), draws winners then reserves once, awards the prizes
 * through the award queue, sends draw_won and closes. Every activity is idempotent on the draw:
 * a crashed worker resumes to the winners already stored, never to a second draw.
 */
export async function drawWorkflow(): Promise<DrawWorkflowResult> {
  const workflowId = workflowInfo().workflowId;
  let stage = 'open';
  let secret: string | null = null;
  let closeEarly = false;
  setHandler(drawStageQuery, () => stage);
  setHandler(closeDrawEntriesSignal, () => {
    closeEarly = true;
  });
  setHandler(revealDrawSecretSignal, (s: string) => {
    // The API only forwards a secret after the commit and when it matches H(s); the draw
    // activity checks H(s) again, so a stray signal can delay nothing but itself.
    if (/^(?:[0-9a-f]{2})+$/.test(s)) secret = s;
  });

  const plan = await activities.loadDrawPlan(workflowId);
  if (plan.status === 'open') {
    const wait = plan.entryEndsAtMs - Date.now();
    if (wait > 0) await condition(() => closeEarly, wait);
  }
  stage = 'freezing';
  const commit = await activities.freezeDrawEntries(workflowId);
  if (commit.status === 'void') {
    stage = 'void';
    return { status: 'void', reason: commit.reason };
  }

  let summary: DrawWorkflowSummary;
  if (commit.status === 'frozen') {
    let drand: { round: number; signature: string } | null = null;
    if (commit.drand) {
      stage = 'waiting_for_drand';
      const wait = commit.drand.roundTimeMs - Date.now();
      if (wait > 0) await sleep(wait);
      drand = await relay.fetchCommittedDrandRound(workflowId);
    }
    for (;;) {
      if (commit.secretCommitment) {
        stage = 'waiting_for_reveal';
        await condition(() => secret !== null);
      }
      stage = 'drawing';
      try {
        summary = await activities.drawWinners(workflowId, { drand, secret });
        break;
      } catch (err) {
        // A wrong secret changes nothing: wait for the right one.
        if (failureType(err) === 'secret_mismatch') {
          secret = null;
          continue;
        }
        throw err;
      }
    }
  } else {
    summary = await activities.drawWinners(workflowId, { drand: null, secret: null });
  }
  stage = 'awarding';
  const { awarded } = await activities.awardDrawPrizes(workflowId);
  const { notified } = await activities.notifyDrawWinners(workflowId);
  await activities.closeDrawRecord(workflowId, { awarded, notified });
  stage = 'closed';
  return { status: 'closed', awarded, notified, ...summary };
}
