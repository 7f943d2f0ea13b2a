import type { Pool, PoolClient } from '../../db/index.js';
import { ConflictError, NotFoundError } from '../../errors/index.js';
import { ContestInputSchema, type ContestDefinition } from './definition.js';

export interface ContestRecord {
  id: string;
  name: string;
  status: 'open' | 'frozen' | 'closed';
  definition: ContestDefinition;
  startsAt: Date;
  endsAt: Date;
  participants: number | null;
  closedAt: Date | null;
}

interface ContestRow {
  id: string;
  name: string;
  status: 'open' | 'frozen' | 'closed';
  definition: unknown;
  starts_at: Date;
  ends_at: Date;
  participants: number | null;
  closed_at: Date | null;
}

const COLUMNS = `id, name, status, definition, starts_at, ends_at, participants, closed_at`;

function contestFromRow(r: ContestRow): ContestRecord {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    definition: ContestInputSchema.parse(r.definition),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    participants: r.participants,
    closedAt: r.closed_at,
  };
}

export function contestWorkflowId(contestId: string): string {
  return `contest:${contestId}`;
}

export async function createContest(pool: Pool, definition: ContestDefinition, actor: string): Promise<ContestRecord> {
  const { rows } = await pool.query<ContestRow>(
    `INSERT INTO contests (id, name, definition, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [definition.id, definition.name, JSON.stringify(definition), definition.startsAt, definition.endsAt, actor],
  );
  if (!rows[0]) throw new ConflictError('contest_exists', `contest ${definition.id} already exists`, { contestId: definition.id });
  return contestFromRow(rows[0]);
}

export async function findContest(db: Pool | PoolClient, id: string): Promise<ContestRecord | undefined> {
  const { rows } = await db.query<ContestRow>(`SELECT ${COLUMNS} FROM contests WHERE id = $1`, [id]);
  return rows[0] ? contestFromRow(rows[0]) : undefined;
}

export async function getContest(db: Pool | PoolClient, id: string): Promise<ContestRecord> {
  const contest = await findContest(db, id);
  if (!contest) throw new NotFoundError('unknown_contest', `contest ${id} does not exist`, { contestId: id });
  return contest;
}

export async function listContests(db: Pool | PoolClient): Promise<ContestRecord[]> {
  const { rows } = await db.query<ContestRow>(`SELECT ${COLUMNS} FROM contests ORDER BY starts_at DESC, id LIMIT 500`);
  return rows.map(contestFromRow);
}

/** Contests still taking events that happened at `at` (open, and `at` inside the window). */
export async function openContestsAt(db: Pool | PoolClient, at: Date): Promise<ContestRecord[]> {
  const { rows } = await db.query<ContestRow>(`SELECT ${COLUMNS} FROM contests WHERE status = 'open' AND starts_at <= $1 AND $1 < ends_at ORDER BY id`, [at]);
  return rows.map(contestFromRow);
}

export interface Standing {
  rank: number;
  memberId: string;
  score: number;
  reachedAt: Date;
  prizeName: string | null;
  prizePoints: number | null;
}

export async function finalStandings(db: Pool | PoolClient, contestId: string, options: { limit: number; memberId?: string }): Promise<Standing[]> {
  const { rows } = await db.query<{ rank: number; member_id: string; score: number; reached_at: Date; prize_name: string | null; prize_points: number | null }>(
    `SELECT rank, member_id, score, reached_at, prize_name, prize_points FROM contest_standings
      WHERE contest_id = $1 AND ($3::text IS NULL OR member_id = $3) ORDER BY rank LIMIT $2`,
    [contestId, options.limit, options.memberId ?? null],
  );
  return rows.map((r) => ({ rank: r.rank, memberId: r.member_id, score: Number(r.score), reachedAt: r.reached_at, prizeName: r.prize_name, prizePoints: r.prize_points === null ? null : Number(r.prize_points) }));
}
