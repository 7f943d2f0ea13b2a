import type { Pool } from '../../db/index.js';
import { inSegment } from '../missions/index.js';
import type { DrawDefinition } from './definition.js';
import type { DrawStatus } from './store.js';

/** One draw as its member sees it: whether they are in, with how many tickets, and what they won. */
export interface MemberDrawView {
  id: string;
  name: string;
  status: DrawStatus;
  entryStartsAt: string;
  entryEndsAt: string;
  /** open: eligible now, tickets counted at the close; entered: frozen with tickets. */
  participation: 'open' | 'entered';
  tickets: string | null;
  wins: { slot: number; kind: 'prize' | 'reserve'; prizeId: string | null; prizeName: string | null; reserveRank: number | null }[];
}

interface Row {
  id: string;
  name: string;
  status: DrawStatus;
  definition: DrawDefinition;
  entry_starts_at: Date;
  entry_ends_at: Date;
  tickets: string | null;
  wins: { slot: number; kind: 'prize' | 'reserve'; prize_id: string | null; reserve_rank: number | null }[];
}

/**
 * The member's draws, newest close first: every draw that froze an entry for them (through the
 * member index of draw_entries), and the open draws whose eligibility they meet now.
 */
export async function memberDraws(pool: Pool, memberId: string, now = new Date()): Promise<MemberDrawView[]> {
  const { rows } = await pool.query<Row>(
    `SELECT d.id, d.name, d.status, d.definition, d.entry_starts_at, d.entry_ends_at, e.tickets::text AS tickets,
            coalesce((SELECT json_agg(json_build_object('slot', w.slot, 'kind', w.kind, 'prize_id', w.prize_id, 'reserve_rank', w.reserve_rank) ORDER BY w.slot)
                        FROM draw_winners w WHERE w.draw_id = d.id AND w.member_id = $1), '[]'::json) AS wins
       FROM draws d LEFT JOIN draw_entries e ON e.draw_id = d.id AND e.member_id = $1
      WHERE e.member_id IS NOT NULL OR d.status = 'open'
      ORDER BY d.entry_ends_at DESC, d.id
      LIMIT 100`,
    [memberId],
  );
  const views: MemberDrawView[] = [];
  for (const r of rows) {
    if (r.tickets === null && !(await inSegment(pool, r.definition.eligibility?.segment, memberId, now))) continue;
    const prizeNames = new Map(r.definition.prizes.map((p) => [p.id, p.name]));
    views.push({
      id: r.id,
      name: r.name,
      status: r.status,
      entryStartsAt: r.entry_starts_at.toISOString(),
      entryEndsAt: r.entry_ends_at.toISOString(),
      participation: r.tickets === null ? 'open' : 'entered',
      tickets: r.tickets,
      wins: r.wins.map((w) => ({ slot: w.slot, kind: w.kind, prizeId: w.prize_id, prizeName: w.prize_id ? (prizeNames.get(w.prize_id) ?? null) : null, reserveRank: w.reserve_rank })),
    });
  }
  return views;
}
