import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTransaction, type Pool } from '../../db/index.js';
import { requestAward } from '../../ledger/index.js';
import { sendMessages, type DeliveryJob } from '../../messaging/index.js';
import type { Channel } from '../../messaging/templates/index.js';
import { channelRequests } from '../missions/channel-requests.js';
import { leaderboardKey } from './leaderboard.js';
import { encodeLeaderboardScore } from './leaderboard-score.js';
import { finalStandings, getContest } from './store.js';

export interface ContestActivityDeps {
  pool: Pool;
  redis: Redis;
  prefix: string;
  deliveryQueue: Queue<DeliveryJob>;
  channels: readonly Channel[];
}

export interface ContestPlan {
  endsAtMs: number;
  lateEventGraceMs: number;
  status: 'open' | 'frozen' | 'closed';
}

const PAGE = 1000;

function contestIdOf(workflowId: string): string {
  return workflowId.replace(/^contest:/, '');
}

export function createContestActivities({ pool, redis, prefix, deliveryQueue, channels }: ContestActivityDeps) {
  return {
    async loadContestPlan(workflowId: string): Promise<ContestPlan> {
      const contest = await getContest(pool, contestIdOf(workflowId));
      return { endsAtMs: contest.endsAt.getTime(), lateEventGraceMs: contest.definition.lateEventGraceSeconds * 1000, status: contest.status };
    },

    /**
     * Freezes the contest (the fan-out stops counting) and persists the final standings from the
     * contribution rows: score desc, then earliest to reach it (to the millisecond), then member
     * id. The Redis board is rewritten from them so live and final views agree. Idempotent.
     */
    async freezeContest(workflowId: string): Promise<{ participants: number }> {
      const contestId = contestIdOf(workflowId);
      const participants = await withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ status: string; participants: number | null }>(`SELECT status, participants FROM contests WHERE id = $1 FOR UPDATE`, [contestId]);
        if (rows[0]?.status !== 'open') return rows[0]?.participants ?? 0;
        const contest = await getContest(client, contestId);
        const prizes = new Map(contest.definition.prizes.map((p) => [p.rank, p]));
        const { rows: ranked } = await client.query<{ member_id: string; score: number; reached: Date; rank: number }>(
          `SELECT member_id, score, reached, row_number() OVER (ORDER BY score DESC, reached ASC, member_id ASC)::int AS rank
             FROM (SELECT member_id, sum(delta)::bigint AS score, max(at) FILTER (WHERE delta <> 0) AS reached FROM contest_contributions WHERE contest_id = $1 GROUP BY member_id) s
            WHERE score > 0`,
          [contestId],
        );
        let budget = contest.definition.prizeBudget;
        const prizeOf = (rank: number) => {
          const prize = prizes.get(rank);
          if (!prize || prize.points > budget) return undefined;
          budget -= prize.points;
          return prize;
        };
        const withPrizes = ranked.map((r) => ({ ...r, prize: prizeOf(r.rank) }));
        await client.query(
          `INSERT INTO contest_standings (contest_id, rank, member_id, score, reached_at, prize_name, prize_points)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[], $7::bigint[])
           ON CONFLICT DO NOTHING`,
          [
            contestId,
            withPrizes.map((r) => r.rank),
            withPrizes.map((r) => r.member_id),
            withPrizes.map((r) => r.score),
            withPrizes.map((r) => r.reached),
            withPrizes.map((r) => r.prize?.name ?? null),
            withPrizes.map((r) => r.prize?.points ?? null),
          ],
        );
        await client.query(`UPDATE contests SET status = 'frozen', participants = $2 WHERE id = $1`, [contestId, ranked.length]);
        const key = leaderboardKey(prefix, contestId);
        const window = { startsAtMs: contest.startsAt.getTime(), endsAtMs: contest.endsAt.getTime() };
        const multi = redis.multi().del(key);
        for (const r of ranked) multi.zadd(key, encodeLeaderboardScore(Number(r.score), r.reached.getTime(), window), r.member_id);
        await multi.exec();
        return ranked.length;
      });
      return { participants };
    },

    /** One award per prize rank, id `contest:<id>:rank:<n>`: a rerun requests nothing twice. */
    async awardContestPrizes(workflowId: string): Promise<{ awarded: number }> {
      const contestId = contestIdOf(workflowId);
      const contest = await getContest(pool, contestId);
      const winners = (await finalStandings(pool, contestId, { limit: 1000 })).filter((s) => s.prizePoints !== null);
      await withTransaction(pool, async (client) => {
        for (const w of winners) {
          await requestAward(client, { id: `${workflowId}:rank:${w.rank}`, memberId: w.memberId, points: w.prizePoints!, source: workflowId, reason: `${contest.name}: ${w.prizeName}` });
        }
      });
      return { awarded: winners.length };
    },

    /** contest_result to every ranked participant, a page at a time (ids per contest and member). */
    async announceContestResults(workflowId: string): Promise<{ announced: number }> {
      const contestId = contestIdOf(workflowId);
      const contest = await getContest(pool, contestId);
      const shown = contest.definition.leadersShown;
      const { rows: leaderRows } = await pool.query<{ rank: number; score: number; first_name: string | null }>(
        `SELECT s.rank, s.score, m.first_name FROM contest_standings s JOIN members m ON m.id = s.member_id WHERE s.contest_id = $1 ORDER BY s.rank LIMIT $2`,
        [contestId, shown],
      );
      // Public names only: an initial, never an id or an address.
      const leaders = leaderRows.map((r) => ({ rank: r.rank, name: r.first_name ? `${r.first_name.slice(0, 1)}.` : `#${r.rank}`, score: Number(r.score) }));
      let announced = 0;
      for (let after = 0; ; ) {
        const { rows } = await pool.query<{ rank: number; member_id: string; score: number; prize_name: string | null }>(
          `SELECT rank, member_id, score, prize_name FROM contest_standings WHERE contest_id = $1 AND rank > $2 ORDER BY rank LIMIT $3`,
          [contestId, after, PAGE],
        );
        if (rows.length === 0) break;
        const requests = rows.flatMap((r) =>
          channelRequests(channels, 'contest_result', `${contestId}.${r.member_id}`, r.member_id, {
            contestName: contest.name,
            rank: r.rank,
            score: Number(r.score),
            participants: contest.participants ?? rows.length,
            ...(r.prize_name ? { prizeName: r.prize_name } : {}),
            leaders,
          }),
        );
        await sendMessages(pool, deliveryQueue, requests);
        announced += rows.length;
        after = rows[rows.length - 1]!.rank;
      }
      return { announced };
    },

    async closeContest(workflowId: string): Promise<void> {
      await pool.query(`UPDATE contests SET status = 'closed', closed_at = coalesce(closed_at, now()) WHERE id = $1`, [contestIdOf(workflowId)]);
    },
  };
}

export type ContestActivities = ReturnType<typeof createContestActivities>;
