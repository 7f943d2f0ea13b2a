import type { Pool } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { parseSegment, type Segment } from './schema.js';

export interface SavedSegment {
  id: string;
  name: string;
  definition: Segment;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface SegmentRow {
  id: string;
  name: string;
  definition: unknown;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

function toSegment(row: SegmentRow): SavedSegment {
  return { id: row.id, name: row.name, definition: parseSegment(row.definition), createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Creates or replaces a saved segment. Returns whether it was created. */
export async function saveSegment(pool: Pool, input: { id: string; name: string; definition: Segment; actor: string }): Promise<{ segment: SavedSegment; created: boolean }> {
  const { rows } = await pool.query<SegmentRow & { created: boolean }>(
    `INSERT INTO segments (id, name, definition, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, definition = EXCLUDED.definition, updated_at = now()
     RETURNING *, (xmax = 0) AS created`,
    [input.id, input.name, JSON.stringify(input.definition), input.actor],
  );
  const row = rows[0]!;
  return { segment: toSegment(row), created: row.created };
}

export async function getSegment(pool: Pool, id: string): Promise<SavedSegment> {
  const { rows } = await pool.query<SegmentRow>(`SELECT * FROM segments WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('segment_not_found', `no segment ${id}`, { segmentId: id });
  return toSegment(rows[0]);
}

export async function listSegments(pool: Pool): Promise<SavedSegment[]> {
  const { rows } = await pool.query<SegmentRow>(`SELECT * FROM segments ORDER BY id`);
  return rows.map(toSegment);
}
