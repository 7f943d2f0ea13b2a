import type { Redis } from 'ioredis';
import { decodeLeaderboardScore, encodeLeaderboardScore } from './leaderboard-score.js';

/** The live board of a contest: a Redis sorted set (hash-tagged so a cluster keeps it on one slot). */
export function leaderboardKey(prefix: string, contestId: string): string {
  return `${prefix}:{contest:${contestId}}:leaderboard`;
}

export interface LeaderboardEntry {
  rank: number;
  memberId: string;
  score: number;
}

/**
 * Sets a member's absolute standing (not an increment): recomputed from the stored contributions,
 * so a redelivered event or a retry after a crash leaves the same board.
 */
export async function setLeaderboardScore(redis: Redis, key: string, memberId: string, score: number, reachedAtMs: number, window: { startsAtMs: number; endsAtMs: number }): Promise<void> {
  if (score <= 0) await redis.zrem(key, memberId);
  else await redis.zadd(key, encodeLeaderboardScore(score, reachedAtMs, window), memberId);
}

export async function topOfLeaderboard(redis: Redis, key: string, limit: number): Promise<LeaderboardEntry[]> {
  const flat = await redis.zrevrange(key, 0, limit - 1, 'WITHSCORES');
  const entries: LeaderboardEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) entries.push({ rank: i / 2 + 1, memberId: flat[i]!, score: decodeLeaderboardScore(Number(flat[i + 1])) });
  return entries;
}

export async function leaderboardEntryOf(redis: Redis, key: string, memberId: string): Promise<LeaderboardEntry | undefined> {
  const [rank, sortKey] = await Promise.all([redis.zrevrank(key, memberId), redis.zscore(key, memberId)]);
  if (rank === null || sortKey === null) return undefined;
  return { rank: rank + 1, memberId, score: decodeLeaderboardScore(Number(sortKey)) };
}
