import type { Pool, QueryResultRow } from 'pg';

/**
 * Memory for one report statement's hashes and sorts (per node). Report statements group and
 * count distinct over a year of rows; with PostgreSQL's default of 4 MB their hash aggregates
 * spill to disk in many batches. The setting is local to the statement's own transaction.
 * JIT is off for them: a year's statement costs enough to be JIT-compiled, and compiling took
 * 2–4 s of CPU per statement (EXPLAIN ANALYZE at 3M entries), more than the rows it then runs over.
 */
export const REPORT_WORK_MEM = '64MB';

/**
 * Runs one report statement with `REPORT_WORK_MEM` and no JIT (BEGIN; SET LOCAL; the statement; COMMIT).
 * `hashGroups`: the statement groups many rows into few groups the planner cannot foresee (an
 * interval bucket computed per row: it assumes as many groups as rows and sorts them all), so
 * sorting is ruled out and the grouping is a hash.
 */
export async function analyticQuery<R extends QueryResultRow>(pool: Pool, text: string, values: unknown[], options: { hashGroups?: boolean } = {}): Promise<{ rows: R[] }> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN READ ONLY; SET LOCAL work_mem = '${REPORT_WORK_MEM}'; SET LOCAL jit = off${options.hashGroups ? '; SET LOCAL enable_sort = off' : ''}`);
    const result = await client.query<R>(text, values);
    await client.query('COMMIT');
    return { rows: result.rows };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
