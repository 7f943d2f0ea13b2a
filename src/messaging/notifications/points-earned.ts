import type { Queue } from 'bullmq';
import type { Pool } from '../../db/index.js';
import type { FanoutHandler, MemberEventJob } from '../../fanout/index.js';
import type { Logger } from '../../log/index.js';
import type { DeliveryJob } from '../delivery/queue.js';
import { sendMessages } from '../store/send-records.js';
import { messageDefinition, type Channel } from '../templates/index.js';

/** Half-open `[from, to)` batch window; a burst of events inside one window is one message. */
export interface PointsBatch {
  from: string;
  to: string;
}

/** The fixed window (aligned to the epoch) an instant falls in: the same for every event of a burst. */
export function batchWindow(at: Date, seconds: number): { index: number; from: Date; to: Date } {
  const size = seconds * 1000;
  const index = Math.floor(at.getTime() / size);
  return { index, from: new Date(index * size), to: new Date((index + 1) * size) };
}

/** Message id of a member's points_earned batch on a channel. Member ids may contain dots, so they go last. */
export function pointsEarnedMessageId(windowIndex: number, channel: Channel, memberId: string): string {
  return `points_earned.${windowIndex}.${channel}.${memberId}`;
}

/**
 * Variables of a batched points_earned message, computed when it is sent (after the window
 * closed): the sum of the member's earn entries written in the window and the balance now.
 * Undefined when nothing is left to report.
 */
export async function resolveBatchVars(pool: Pool, memberId: string, batch: PointsBatch): Promise<Record<string, unknown> | undefined> {
  const { rows } = await pool.query<{ points: number; balance: number | null }>(
    `SELECT coalesce(sum(e.amount), 0)::bigint AS points,
            (SELECT available FROM member_balances WHERE member_id = $1) AS balance
       FROM ledger_entries e
      WHERE e.member_id = $1 AND e.kind = 'earn' AND e.created_at >= $2 AND e.created_at < $3`,
    [memberId, batch.from, batch.to],
  );
  const row = rows[0];
  if (!row || row.points <= 0) return undefined;
  return { points: row.points, balance: row.balance ?? 0 };
}

export interface PointsEarnedHandlerDeps {
  pool: Pool;
  queue: Queue<DeliveryJob>;
  channels: readonly Channel[];
  batchSeconds: number;
  /** Extra wait after the window closes, for transactions that committed late in it. */
  graceMs?: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * Fan-out handler: an event that earned points schedules the member's points_earned message for
 * the batch window it fell in (one send record and one delayed job per member, window and
 * channel; later events of the window find them and add nothing). Idempotent on the event id.
 */
export function createPointsEarnedHandler(deps: PointsEarnedHandlerDeps): FanoutHandler {
  const definition = messageDefinition('points_earned');
  const channels = deps.channels.filter((c) => definition?.channels.includes(c));
  const now = deps.now ?? (() => new Date());
  return {
    name: 'messaging.points_earned',
    async handle(job: MemberEventJob): Promise<void> {
      const { rows } = await deps.pool.query<{ points: number; created_at: Date | null }>(
        `SELECT coalesce(sum(amount), 0)::bigint AS points, min(created_at) AS created_at FROM ledger_entries WHERE event_id = $1 AND kind = 'earn'`,
        [job.eventId],
      );
      const row = rows[0];
      if (!row || row.points <= 0 || !row.created_at) return;
      const window = batchWindow(row.created_at, deps.batchSeconds);
      const batch: PointsBatch = { from: window.from.toISOString(), to: window.to.toISOString() };
      const delayMs = Math.max(0, window.to.getTime() + (deps.graceMs ?? 2000) - now().getTime());
      await sendMessages(
        deps.pool,
        deps.queue,
        channels.map((channel) => ({
          id: pointsEarnedMessageId(window.index, channel, job.memberId),
          message: 'points_earned',
          channel,
          memberId: job.memberId,
          vars: { __batch: batch },
        })),
        { delayMs },
      );
    },
  };
}
