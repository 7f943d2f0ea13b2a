import { withTransaction, type Pool } from '../../db/index.js';
import { requestAward } from '../../ledger/index.js';
import { requestMessages } from '../../messaging/index.js';
import { rewardDueReferrals, type ReferralRewardCounts } from '../../referrals/index.js';
import { inSegment } from '../missions/audience.js';
import { awardRequest, grantOfferStep, sendRequests, type ActionEntry } from './actions.js';
import type { JourneyAdvance, JourneyEntryView, JourneyOutcome, JourneyPosition } from './contract.js';
import { durationMs } from './definition.js';
import { nextStep } from './plan.js';
import { runDateJourneys, type DateSweepCounts } from './date-sweep.js';
import type { JourneyStarter } from './entry.js';
import { getEntry, getJourney } from './store.js';

export type LifecycleJourneyActivityDeps = JourneyStarter;

interface MemberState {
  email: string | null;
  phone: string | null;
  erased: boolean;
  balance: number;
}

async function memberState(pool: Pool, memberId: string): Promise<MemberState> {
  const { rows } = await pool.query<MemberState>(
    `SELECT m.email, m.phone, m.erased_at IS NOT NULL AS erased, coalesce(b.available, 0)::bigint AS balance
       FROM members m LEFT JOIN member_balances b ON b.member_id = m.id WHERE m.id = $1`,
    [memberId],
  );
  return rows[0] ?? { email: null, phone: null, erased: true, balance: 0 };
}

/**
 * The journey workflow's activities. Each step is one activity: it reads the definition in force,
 * picks the step (plan.ts), records it in the step log and does what it says (send records and
 * award rows with their outbox jobs, in one transaction, under ids of the entry and step).
 */
export function createLifecycleJourneyActivities(deps: LifecycleJourneyActivityDeps) {
  const { pool } = deps;
  return {
    /** The hourly date sweep (birthdays, anniversaries, inactivity), set-based. */
    async runDateJourneysAsOf(asOf: string): Promise<DateSweepCounts[]> {
      return await runDateJourneys(deps, new Date(asOf));
    },

    /** Referrals whose return window ended by `asOf`: rewarded, rejected or expired (referrals/reward.ts). */
    async rewardDueReferralsAsOf(asOf: string): Promise<ReferralRewardCounts> {
      return await rewardDueReferrals(pool, new Date(asOf));
    },

    async openJourneyEntry(workflowId: string): Promise<JourneyEntryView> {
      const entry = await getEntry(pool, workflowId);
      return { status: entry.status, enteredAtMs: entry.enteredAt.getTime(), triggerId: entry.triggerId };
    },

    /**
     * One turn: the steps that run at once under the definition in force (sends, awards, branches,
     * an exit) up to the next wait, each logged and done; the end is recorded on the entry here.
     */
    async advanceJourney(input: { workflowId: string } & JourneyPosition): Promise<JourneyAdvance> {
      const turn = await advance(input);
      if (turn.pause.kind === 'done') await finishEntry(pool, input.workflowId, turn.pause.outcome, turn.pause.reason);
      return turn;
    },

    async finishJourneyEntry(input: { workflowId: string; outcome: JourneyOutcome; reason: string; steps: number }): Promise<void> {
      await finishEntry(pool, input.workflowId, input.outcome, input.reason);
    },
  };

  async function advance(input: { workflowId: string } & JourneyPosition): Promise<JourneyAdvance> {
    const taken: string[] = [];
    const done = (outcome: JourneyOutcome, reason: string): JourneyAdvance => ({ steps: taken, pause: { kind: 'done', outcome, reason } });
    const entry = await getEntry(pool, input.workflowId);
    if (entry.status !== 'active') return done(entry.status, entry.outcomeReason ?? 'already ended');
    const journey = await getJourney(pool, entry.journeyId);
    if (journey.status === 'archived') return done('exited', 'journey archived');
    const member = await memberState(pool, entry.memberId);
    if (member.erased) return done('exited', 'member erased');
    const action: ActionEntry = { journeyId: journey.id, journeyName: journey.definition.name, entryKey: entry.entryKey, memberId: entry.memberId, context: { ...entry.context, balance: member.balance } };
    const position: JourneyPosition = { executed: [...input.executed], jump: input.jump };
    // Forward-only jumps: a turn takes each step at most once, so it ends.
    for (;;) {
      const next = nextStep(journey.definition.steps, position);
      if ('done' in next) {
        return done(next.done, next.done === 'left' ? `version ${journey.version} has none of the steps this entry took` : next.done === 'exited' ? 'exit' : 'last step done');
      }
      const step = next.step;
      const now = Date.now();
      let jump: string | null = step.type === 'exit' ? 'exit' : null;
      if (step.type === 'branch') jump = (await inSegment(pool, step.segment, entry.memberId, new Date(now))) ? (step.then ?? null) : (step.else ?? null);
      await withTransaction(pool, async (client) => {
        const logged = await client.query(
          `INSERT INTO journey_steps (workflow_id, step_id, journey_id, version, step_type) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [entry.workflowId, step.id, journey.id, journey.version, step.type],
        );
        await client.query(`UPDATE journey_entries SET current_step = $2, steps_done = $3 WHERE workflow_id = $1`, [entry.workflowId, step.id, position.executed.length + 1]);
        // A retried turn finds its step logged: its sends and award were written with it.
        if (logged.rowCount === 0) return;
        if (step.type === 'send') await requestMessages(client, sendRequests(step, action, { memberId: entry.memberId, email: member.email, phone: member.phone }, journey.definition));
        if (step.type === 'award_points') await requestAward(client, awardRequest(step, action));
        if (step.type === 'grant_offer') await grantOfferStep(client, step, action, { memberId: entry.memberId, email: member.email, phone: member.phone }, new Date(now));
      });
      taken.push(step.id);
      position.executed.push(step.id);
      position.jump = jump;
      if (step.type === 'wait') return { steps: taken, pause: { kind: 'wait', stepId: step.id, untilMs: now + durationMs(step.duration) } };
      if (step.type === 'wait_for_event') {
        return { steps: taken, pause: { kind: 'wait_for_event', stepId: step.id, untilMs: now + durationMs(step.timeout), onEvent: step.onEvent ?? null, onTimeout: step.onTimeout ?? null } };
      }
    }
  }
}

/** Ends an active entry with its outcome (an ended one keeps the outcome it had). */
export async function finishEntry(db: Pool, workflowId: string, outcome: JourneyOutcome, reason: string): Promise<void> {
  await db.query(
    `UPDATE journey_entries SET status = $2, outcome_reason = $3, ended_at = coalesce(ended_at, now()) WHERE workflow_id = $1 AND status = 'active'`,
    [workflowId, outcome, reason],
  );
}

export type LifecycleJourneyActivities = ReturnType<typeof createLifecycleJourneyActivities>;
