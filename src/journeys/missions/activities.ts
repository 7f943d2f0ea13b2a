import type { Queue } from 'bullmq';
import { withTransaction, type Pool } from '../../db/index.js';
import { emitFacts, memberFact } from '../../facts/index.js';
import { requestAward } from '../../ledger/index.js';
import { sendMessages, type DeliveryJob } from '../../messaging/index.js';
import type { Channel } from '../../messaging/templates/index.js';
import { channelRequests } from './channel-requests.js';
import type { MissionNudge, MissionPlan } from './contract.js';
import type { Client } from '@temporalio/client';
import { createMissionFanoutHandler, streakCalendar } from './fanout.js';
import { findEnrollment, getMission } from './store.js';
import { streakPeriodEnd, streakPeriodIndex, type StreakCalendar } from './streak.js';

export interface MissionActivityDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
  channels: readonly Channel[];
  /** Re-routing events a closing streak attempt received too late. */
  temporal: Client;
  taskQueue: string;
}

/** Thrown until the award worker has written the reward; the activity retries with backoff. */
export class AwardNotGrantedYet extends Error {
  constructor(awardId: string) {
    super(`award ${awardId} is not granted yet`);
    this.name = 'AwardNotGrantedYet';
  }
}

export function createMissionActivities({ pool, deliveryQueue, channels, temporal, taskQueue }: MissionActivityDeps) {
  const fanout = createMissionFanoutHandler({ pool, temporal, taskQueue });
  /** A streak attempt's calendar: the member's time zone now (else the program's). */
  async function calendarOf(workflowId: string): Promise<StreakCalendar> {
    const enrollment = await findEnrollment(pool, workflowId);
    if (!enrollment) throw new Error(`no mission enrollment for workflow ${workflowId}`);
    const mission = await getMission(pool, enrollment.missionId);
    const { rows } = await pool.query<{ time_zone: string | null }>(`SELECT time_zone FROM members WHERE id = $1`, [enrollment.memberId]);
    return await streakCalendar(pool, mission.definition, rows[0]?.time_zone ?? null);
  }

  async function planOf(workflowId: string): Promise<MissionPlan> {
    const enrollment = await findEnrollment(pool, workflowId);
    if (!enrollment) throw new Error(`no mission enrollment for workflow ${workflowId}`);
    const mission = await getMission(pool, enrollment.missionId);
    const d = mission.definition;
    const streak = d.period.type === 'streak' ? { firstPeriod: streakPeriodIndex(enrollment.startsAt, await calendarOf(workflowId)) } : {};
    return {
      ...streak,
      missionId: mission.id,
      memberId: enrollment.memberId,
      missionName: mission.name,
      goalType: d.goal.type,
      target: enrollment.target,
      rewardPoints: d.rewardPoints,
      startsAtMs: enrollment.startsAt.getTime(),
      endsAtMs: enrollment.endsAt.getTime(),
      lateEventGraceMs: d.lateEventGraceSeconds * 1000,
      nudgeHalfway: d.nudges.halfway,
      nudgeOneAway: d.nudges.oneAway,
      status: enrollment.status,
    };
  }

  return {
    async loadMissionPlan(workflowId: string): Promise<MissionPlan> {
      return await planOf(workflowId);
    },

    /**
     * Events a streak attempt received while it was closing (the fan-out routed them before the
     * window closed): routed again, now to the attempt they belong to. Repeats are harmless (by event id).
     */
    async rerouteMissionEvents(input: { memberId: string; eventIds: string[] }): Promise<void> {
      for (const eventId of input.eventIds) await fanout.handle({ eventId, memberId: input.memberId });
    },

    /** When each of these local periods ends for the member (a streak's deadlines), in ms. */
    async streakPeriodEnds(input: { workflowId: string; periods: number[] }): Promise<number[]> {
      const cal = await calendarOf(input.workflowId);
      return input.periods.map((p) => streakPeriodEnd(p, cal).getTime());
    },

    /** Progress for the member API, and at most one nudge (its message id makes it once-only). */
    async recordMissionProgress(input: { workflowId: string; progress: number; nudge: MissionNudge | null }): Promise<void> {
      await pool.query(`UPDATE mission_enrollments SET progress = $2 WHERE workflow_id = $1 AND status = 'active'`, [input.workflowId, input.progress]);
      if (!input.nudge) return;
      const plan = await planOf(input.workflowId);
      await sendMessages(
        pool,
        deliveryQueue,
        channelRequests(channels, 'mission_progress', `${input.workflowId}.${input.nudge}`, plan.memberId, {
          missionName: plan.missionName,
          progress: input.progress,
          target: plan.target,
          remaining: Math.max(0, plan.target - input.progress),
          reward: plan.rewardPoints,
          endsAt: new Date(plan.endsAtMs).toISOString(),
        }),
      );
    },

    /** Marks the enrollment completed and requests the reward (award id = workflow id) in one transaction. */
    /** `endsAtMs` (streaks): the attempt's window closes there, so the next event starts a new one. */
    async completeMission(input: { workflowId: string; progress: number; endsAtMs?: number }): Promise<void> {
      const plan = await planOf(input.workflowId);
      await withTransaction(pool, async (client) => {
        await client.query(
          `UPDATE mission_enrollments SET status = 'completed', progress = $2, completed_at = coalesce(completed_at, now()),
                  ends_at = CASE WHEN $3::timestamptz IS NULL THEN ends_at ELSE greatest(starts_at + interval '1 millisecond', $3::timestamptz) END
            WHERE workflow_id = $1 AND status <> 'completed'`,
          [input.workflowId, input.progress, input.endsAtMs === undefined ? null : new Date(input.endsAtMs)],
        );
        await requestAward(client, { id: input.workflowId, memberId: plan.memberId, points: plan.rewardPoints, source: `mission:${plan.missionId}`, reason: plan.missionName });
        await emitFacts(client, [
          memberFact('mission.completed', `mission.completed.${input.workflowId}`, plan.memberId, new Date(), {
            missionId: plan.missionId,
            periodKey: input.workflowId.slice(`mission:${plan.missionId}:${plan.memberId}:`.length),
            rewardPoints: plan.rewardPoints,
            progress: input.progress,
          }),
        ]);
      });
    },

    /** mission_completed, with the balance after the award: waits (by retrying) until it is granted. */
    async announceMissionCompleted(workflowId: string): Promise<void> {
      const plan = await planOf(workflowId);
      // The award worker usually grants within moments: poll briefly before failing the attempt.
      const deadline = Date.now() + 5000;
      const grantedBalance = async () =>
        (
          await pool.query<{ granted_at: Date | null; available: number | null }>(
            `SELECT a.granted_at, b.available FROM awards a LEFT JOIN member_balances b ON b.member_id = a.member_id WHERE a.id = $1`,
            [workflowId],
          )
        ).rows[0];
      let row = await grantedBalance();
      while (!row?.granted_at && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        row = await grantedBalance();
      }
      if (!row?.granted_at) throw new AwardNotGrantedYet(workflowId);
      await sendMessages(
        pool,
        deliveryQueue,
        channelRequests(channels, 'mission_completed', workflowId, plan.memberId, { missionName: plan.missionName, reward: plan.rewardPoints, balance: Number(row.available ?? 0) }),
      );
    },

    /** `endsAtMs` (a broken streak): the attempt's window closes at the period that broke it. */
    async closeMission(input: { workflowId: string; progress: number; endsAtMs?: number }): Promise<void> {
      await pool.query(
        `UPDATE mission_enrollments SET status = CASE WHEN status = 'active' THEN 'expired' ELSE status END,
                progress = CASE WHEN status = 'active' THEN $2 ELSE progress END, closed_at = coalesce(closed_at, now()),
                ends_at = CASE WHEN status = 'active' AND $3::timestamptz IS NOT NULL THEN greatest(starts_at + interval '1 millisecond', $3::timestamptz) ELSE ends_at END
          WHERE workflow_id = $1`,
        [input.workflowId, input.progress, input.endsAtMs === undefined ? null : new Date(input.endsAtMs)],
      );
    },
  };
}

export type MissionActivities = ReturnType<typeof createMissionActivities>;
