import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CampaignActivities, CampaignPlan, PlanStep } from '../src/journeys/campaigns/activities.js';

const { loadCampaignPlan, recordCampaignStatus, revokeCampaignOffers } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

// A page is the unit of work: short, heartbeating, idempotent, so a killed worker costs one page.
const { sendCampaignPage } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export const pauseCampaignSignal = defineSignal('pause');
export const resumeCampaignSignal = defineSignal('resume');
export const cancelCampaignSignal = defineSignal('cancel');
export const campaignProgressQuery = defineQuery<CampaignProgress>('progress');

export interface CampaignCounters {
  entered: number;
  holdout: number;
  queued: number;
  pages: number;
  /** Offer grants made by the pages (absent in runs that started before offers existed). */
  granted?: number;
}

/** What the workflow carries across continue-as-new: the position and the counters, nothing else. */
export interface CampaignRunState {
  stepIndex: number;
  cursor: string | null;
  /** When the current step started (follow-ups count conversions recorded before it). */
  stepStartedMs: number | null;
  /** End of the current wait, once it started. */
  waitUntilMs: number | null;
  paused: boolean;
  counters: CampaignCounters;
  followUps: number;
}

export interface CampaignWorkflowInput {
  campaignId: string;
  /** Members per page (at most the send rate, so a page is at most a second of sending). */
  pageSize?: number;
  /** Pages per run before continue-as-new keeps the history short. */
  pagesPerRun?: number;
  state?: CampaignRunState;
}

export interface CampaignProgress extends CampaignRunState {
  cancelled: boolean;
}

export interface CampaignResult {
  campaignId: string;
  outcome: 'completed' | 'cancelled';
  counters: CampaignCounters;
  followUps: number;
}

const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_PAGES_PER_RUN = 100;

/**
 * A launched campaign. Id: `campaign:<campaignId>`. Waits for its start time, then runs its steps:
 * a send pages through the frozen segment by keyset (each page buckets its members, writes the
 * send records and adds the delivery jobs), a wait sleeps N days, a follow-up pages through the
 * variant members who have not converted. Pause, resume and cancel are signals; a pause holds
 * between pages. The send rate paces pages. Continue-as-new every `pagesPerRun` pages. Offers
 * attached to a step are granted by its pages (never to the holdout); a cancelled campaign revokes
 * the offers it granted.
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignResult> {
  const { campaignId } = input;
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  const fresh = input.state === undefined;
  const state: CampaignRunState = input.state ?? {
    stepIndex: 0,
    cursor: null,
    stepStartedMs: null,
    waitUntilMs: null,
    paused: false,
    counters: { entered: 0, holdout: 0, queued: 0, pages: 0, granted: 0 },
    followUps: 0,
  };
  let cancelled = false;
  let statusRecorded: 'running' | 'paused' | null = fresh ? null : state.paused ? 'paused' : 'running';
  setHandler(pauseCampaignSignal, () => void (state.paused = true));
  setHandler(resumeCampaignSignal, () => void (state.paused = false));
  setHandler(cancelCampaignSignal, () => void (cancelled = true));
  setHandler(campaignProgressQuery, () => ({ ...state, counters: { ...state.counters }, cancelled }));

  const plan: CampaignPlan = await loadCampaignPlan(campaignId);
  if (plan.status === 'completed' || plan.status === 'cancelled') return finish(plan.status);

  if (fresh && plan.startAtMs !== null && plan.startAtMs > Date.now()) {
    await condition(() => cancelled, plan.startAtMs - Date.now());
  }

  async function syncStatus(): Promise<void> {
    const wanted = state.paused ? 'paused' : 'running';
    if (wanted !== statusRecorded) {
      await recordCampaignStatus({ campaignId, status: wanted });
      statusRecorded = wanted;
    }
  }

  async function finish(outcome: 'completed' | 'cancelled'): Promise<CampaignResult> {
    // A cancelled campaign takes back what it gave: its offers stop working. Runs that were
    // cancelled before this existed replay without it.
    if (outcome === 'cancelled' && patched('campaign-revokes-offers-on-cancel')) await revokeCampaignOffers({ campaignId });
    await recordCampaignStatus({ campaignId, status: outcome });
    return { campaignId, outcome, counters: state.counters, followUps: state.followUps };
  }

  const pageSize = Math.max(1, Math.min(input.pageSize ?? DEFAULT_PAGE_SIZE, plan.sendRatePerSecond));
  let pagesThisRun = 0;

  while (state.stepIndex < plan.steps.length) {
    if (cancelled) return await finish('cancelled');
    const step: PlanStep = plan.steps[state.stepIndex]!;
    await syncStatus();
    if (step.kind === 'wait') {
      state.waitUntilMs ??= Date.now() + step.ms;
      const remaining = state.waitUntilMs - Date.now();
      if (remaining > 0 && (await condition(() => cancelled, remaining))) return await finish('cancelled');
    } else {
      state.stepStartedMs ??= Date.now();
      for (;;) {
        if (state.paused) {
          await syncStatus();
          await condition(() => !state.paused || cancelled);
          if (cancelled) return await finish('cancelled');
          await syncStatus();
        }
        if (cancelled) return await finish('cancelled');
        if (pagesThisRun >= pagesPerRun) {
          await condition(allHandlersFinished);
          return await continueAsNew<typeof campaignWorkflow>({ ...input, state });
        }
        const started = Date.now();
        const page = await sendCampaignPage({ campaignId, stepIndex: state.stepIndex, after: state.cursor, limit: pageSize, asOfMs: state.stepStartedMs });
        pagesThisRun += 1;
        state.counters.pages += 1;
        state.counters.granted = (state.counters.granted ?? 0) + (page.granted ?? 0);
        if (step.kind === 'send') {
          state.counters.entered += page.entered;
          state.counters.holdout += page.holdout;
          state.counters.queued += page.queued;
        } else {
          state.followUps += page.queued;
        }
        state.cursor = page.nextCursor;
        // Pace to the send rate: a page of n messages takes at least n / rate seconds.
        const due = Math.ceil((page.queued * 1000) / plan.sendRatePerSecond) - (Date.now() - started);
        if (page.nextCursor === null) break;
        if (due > 0) await condition(() => cancelled, due);
      }
    }
    state.stepIndex += 1;
    state.cursor = null;
    state.stepStartedMs = null;
    state.waitUntilMs = null;
  }
  return await finish('completed');
}
