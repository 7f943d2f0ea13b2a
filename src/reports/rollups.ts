import type { Pool } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { PeriodicTask } from '../app/periodic-task.js';
import { currentProgram } from '../program/store.js';

/** Calls one of the rollups' SQL compaction functions on rows older than `olderThanMs`; the rows it folded. */
async function compact(pool: Pool, sqlFunction: string, olderThanMs: number, now: Date): Promise<number> {
  const { rows } = await pool.query<{ folded: number }>(`SELECT ${sqlFunction}($1) AS folded`, [new Date(now.getTime() - olderThanMs)]);
  return Number(rows[0]!.folded);
}

/**
 * Folds the per-backend shards of rollup rows older than `olderThanMs` into one row each (the
 * SQL function `compact_report_rollups`, migration 0030). Reports are exact either way; fewer rows
 * make them faster. Safe beside writers and beside another compactor.
 */
export async function compactReportRollups(pool: Pool, olderThanMs = 15 * 60_000, now = new Date()): Promise<number> {
  return compact(pool, 'compact_report_rollups', olderThanMs, now);
}

/**
 * Folds the per-backend shards of the sales rollups (migration 0061: `compact_sales_rollups`) older
 * than `olderThanMs` into shard 0; a day or month row only once it is over. Exact either way.
 */
export async function compactSalesRollups(pool: Pool, olderThanMs = 15 * 60_000, now = new Date()): Promise<number> {
  return compact(pool, 'compact_sales_rollups', olderThanMs, now);
}

/**
 * Folds the per-backend shards of the missions report rollup (migration 0062:
 * `compact_mission_report_rollup`) older than `olderThanMs` into shard 0 and drops rows that came
 * to 0. Exact either way.
 */
export async function compactMissionReportRollup(pool: Pool, olderThanMs = 15 * 60_000, now = new Date()): Promise<number> {
  return compact(pool, 'compact_mission_report_rollup', olderThanMs, now);
}

/** Recomputes every rollup from the ledger (writers wait meanwhile): after a bulk import, or to prove them. */
export async function rebuildReportRollups(pool: Pool): Promise<void> {
  await pool.query(`SELECT rebuild_report_rollups()`);
}

/** The zone `report_member_days` is kept in (migration 0033), or null when it is not kept yet. */
export async function reportMemberDaysZone(pool: Pool): Promise<string | null> {
  const { rows } = await pool.query<{ zone: string }>(`SELECT zone FROM report_member_days_zone`);
  return rows[0]?.zone ?? null;
}

/** Builds `report_member_days` from the events for `timeZone` (writers of events wait meanwhile). */
export async function rebuildReportMemberDays(pool: Pool, timeZone: string): Promise<void> {
  await pool.query(`SELECT rebuild_report_member_days($1)`, [timeZone]);
}

/**
 * Keeps `report_member_days` in the program's zone: when the program's zone is not the rollup's
 * (a new program, or its zone changed), rebuilds it. Until then the members and sales reports read
 * the events (exact, slower). Returns whether it rebuilt.
 */
export async function ensureReportMemberDays(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM program_versions`);
  if (rows[0]!.n === 0) return false;
  const zone = (await currentProgram(pool)).definition.timeZone;
  if ((await reportMemberDaysZone(pool)) === zone) return false;
  await rebuildReportMemberDays(pool, zone);
  return true;
}

/** The worker role's compactor (and keeper of report_member_days' zone): every `intervalMs` (default 10 minutes). */
export class RollupCompactor {
  private readonly loop: PeriodicTask;

  constructor(deps: { pool: Pool; logger: Logger; intervalMs?: number }) {
    this.loop = new PeriodicTask({
      run: async () => {
        await compactReportRollups(deps.pool);
        await compactSalesRollups(deps.pool);
        await compactMissionReportRollup(deps.pool);
        if (await ensureReportMemberDays(deps.pool)) deps.logger.info('report_member_days rebuilt for the program zone');
      },
      intervalMs: deps.intervalMs ?? 600_000,
      logger: deps.logger,
      failure: 'report rollup compaction failed; retrying',
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
