import type { Queue } from 'bullmq';
import { withTransaction, type Pool } from '../../db/index.js';
import { requestAward } from '../../ledger/index.js';
import { getMember } from '../../members/index.js';
import { sendMessages, type DeliveryJob } from '../../messaging/index.js';
import type { Channel } from '../../messaging/templates/index.js';
import { tierRank, type ProgramDefinition } from '../../program/index.js';
import { currentProgram } from '../../program/store.js';
import { nextReviewAt } from '../../tiers/index.js';
import { channelRequests } from '../missions/channel-requests.js';
import { requalifyTarget, spendForPoints, winbackSettings } from './requalify.js';

export interface WinbackActivityDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
  channels: readonly Channel[];
}

export interface WinbackPlan {
  status: 'active' | 'regained' | 'lapsed';
  memberId: string;
  fromTier: string;
  /** Qualifying points to earn after the demotion; null = no challenge, only a regular requalification. */
  target: number | null;
  startedAtMs: number;
  deadlineMs: number;
  days: number;
  nudgeDays: number[];
}

export interface WinbackCheck {
  regained: boolean;
  progress: number;
  target: number | null;
}

interface WinbackRow {
  id: string;
  member_id: string;
  from_tier: string;
  to_tier: string;
  demoted_at: Date;
  target_points: number | null;
  deadline: Date | null;
  progress_points: number;
  status: 'active' | 'regained' | 'lapsed';
  created_at: Date;
}

async function winbackRow(db: Pick<Pool, 'query'>, id: string, lock = false): Promise<WinbackRow> {
  const { rows } = await db.query<WinbackRow>(`SELECT * FROM winbacks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  if (!rows[0]) throw new Error(`no win-back row ${id}`);
  return rows[0];
}

function offerVars(program: ProgramDefinition, row: WinbackRow, remaining: number | null, deadline: Date) {
  const spend = remaining === null ? null : spendForPoints(program, remaining);
  return {
    bonusPoints: winbackSettings(program).bonusPoints,
    spendThreshold: { amountMinor: String(spend ?? 0), currency: program.currency.code },
    offerEndsAt: deadline.toISOString(),
    previousTier: row.from_tier,
    pointsToRegain: remaining ?? 0,
  };
}

export function createWinbackActivities({ pool, deliveryQueue, channels }: WinbackActivityDeps) {
  async function progressOf(db: Pick<Pool, 'query'>, row: WinbackRow): Promise<number> {
    const { rows } = await db.query<{ points: number }>(
      `SELECT coalesce(sum(qualifying_points), 0)::bigint AS points FROM ledger_entries WHERE member_id = $1 AND at >= $2`,
      [row.member_id, row.demoted_at],
    );
    return Math.max(0, Number(rows[0]!.points));
  }

  return {
    /**
     * Fixes the challenge (target and deadline, first write wins) and sends winback_offer at once
     * with what it takes: the qualifying points and the spend that earns them, by the deadline.
     */
    async openWinback(input: { workflowId: string; startedAtMs: number; dayMs: number }): Promise<WinbackPlan> {
      const program = (await currentProgram(pool)).definition;
      const settings = winbackSettings(program);
      const row0 = await winbackRow(pool, input.workflowId);
      const target = requalifyTarget(program, row0.from_tier);
      await pool.query(`UPDATE winbacks SET target_points = coalesce(target_points, $2), deadline = coalesce(deadline, $3) WHERE id = $1`, [
        input.workflowId,
        target,
        new Date(input.startedAtMs + settings.days * input.dayMs),
      ]);
      const row = await winbackRow(pool, input.workflowId);
      const deadline = row.deadline!;
      if (row.status === 'active') {
        await sendMessages(pool, deliveryQueue, channelRequests(channels, 'winback_offer', `${row.id}.offer`, row.member_id, offerVars(program, row, row.target_points === null ? null : Number(row.target_points), deadline)));
      }
      return {
        status: row.status,
        memberId: row.member_id,
        fromTier: row.from_tier,
        target: row.target_points === null ? null : Number(row.target_points),
        startedAtMs: input.startedAtMs,
        deadlineMs: deadline.getTime(),
        days: settings.days,
        nudgeDays: settings.nudgeDays.filter((d) => d < settings.days),
      };
    },

    /**
     * Has the member got the tier back? Either the ledger upgraded them (a regular requalification)
     * or the challenge is met now, in which case the tier is restored here: member row and a
     * tier-change row `winback_requalified` keyed by the journey id, in one transaction.
     */
    async checkWinback(workflowId: string): Promise<WinbackCheck> {
      const row = await winbackRow(pool, workflowId);
      const target = row.target_points === null ? null : Number(row.target_points);
      const { regained, progress } = await withTransaction(pool, async (client) => {
        const program = await currentProgram(client);
        // Under the member lock, so the tier and the points are read from one committed state.
        const member = await getMember(client, row.member_id, true);
        const progress = await progressOf(client, row);
        if (tierRank(program.definition, member.tierId) >= tierRank(program.definition, row.from_tier)) return { regained: true, progress };
        if (target === null || progress < target) return { regained: false, progress };
        const now = new Date();
        const review = program.definition.qualification.review.anchor === 'tier_start_date' ? nextReviewAt(program.definition, { joinedAt: member.joinedAt, tierStartedAt: now }, now) : member.nextReviewAt;
        await client.query(`UPDATE members SET tier_id = $2, tier_started_at = $3, updated_at = now() WHERE id = $1`, [member.id, row.from_tier, now]);
        // The review schedule and the grace are on the balance row (migrations 0075, 0076), locked by getMember above.
        await client.query(`UPDATE member_balances SET next_review_at = $2, grace_until = NULL WHERE member_id = $1`, [member.id, review]);
        await client.query(
          `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, program_version, review_key) VALUES ($1, $2, $3, 'winback_requalified', $4, $5, $6)
           ON CONFLICT (review_key) DO NOTHING`,
          [member.id, member.tierId, row.from_tier, now, program.version, workflowId],
        );
        return { regained: true, progress };
      });
      await pool.query(`UPDATE winbacks SET progress_points = $2 WHERE id = $1 AND status = 'active'`, [workflowId, progress]);
      return { regained, progress, target };
    },

    /** The offer again, with what is left to earn (id per nudge day: sent once). */
    async nudgeWinback(input: { workflowId: string; day: number; progress: number }): Promise<void> {
      const program = (await currentProgram(pool)).definition;
      const row = await winbackRow(pool, input.workflowId);
      if (row.status !== 'active') return;
      const remaining = row.target_points === null ? null : Math.max(0, Number(row.target_points) - input.progress);
      await sendMessages(pool, deliveryQueue, channelRequests(channels, 'winback_offer', `${row.id}.nudge${input.day}`, row.member_id, offerVars(program, row, remaining, row.deadline!)));
    },

    /** Records the outcome for reports; a regained tier also earns the offer's bonus (award id = journey id). */
    async finishWinback(input: { workflowId: string; outcome: 'regained' | 'lapsed'; progress: number }): Promise<void> {
      const program = (await currentProgram(pool)).definition;
      const bonus = winbackSettings(program).bonusPoints;
      await withTransaction(pool, async (client) => {
        const row = await winbackRow(client, input.workflowId, true);
        if (row.status !== 'active') return;
        await client.query(`UPDATE winbacks SET status = $2, progress_points = $3, ended_at = now() WHERE id = $1`, [input.workflowId, input.outcome, input.progress]);
        if (input.outcome === 'regained' && bonus > 0) {
          await requestAward(client, { id: input.workflowId, memberId: row.member_id, points: bonus, source: 'winback', reason: `win-back bonus: ${row.from_tier} regained` });
        }
      });
    },
  };
}

export type WinbackActivities = ReturnType<typeof createWinbackActivities>;
