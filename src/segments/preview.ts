import type { Pool } from '../db/index.js';
import { compileSegmentCount, compileSegmentPage } from './compile.js';
import type { Segment } from './schema.js';

export interface SegmentPreview {
  count: number;
  sample: { id: string; tierId: string; locale: string }[];
  evaluatedAt: Date;
}

/** How many members the segment holds at `now`, and the first few of them (in id order). */
export async function previewSegment(pool: Pool, segment: Segment, options: { now: Date; sampleSize: number }): Promise<SegmentPreview> {
  const count = compileSegmentCount(segment, { now: options.now });
  const page = compileSegmentPage(segment, { now: options.now, after: null, limit: options.sampleSize });
  const [counted, sampled] = await Promise.all([
    pool.query<{ n: string }>(count.sql, count.params),
    pool.query<{ id: string; tier_id: string; locale: string }>(
      `SELECT m.id, m.tier_id, m.locale FROM members m WHERE m.id IN (${page.sql}) ORDER BY m.id`,
      page.params,
    ),
  ]);
  return {
    count: Number(counted.rows[0]?.n ?? 0),
    sample: sampled.rows.map((r) => ({ id: r.id, tierId: r.tier_id, locale: r.locale })),
    evaluatedAt: options.now,
  };
}
