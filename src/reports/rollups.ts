import type { Pool } from '../db/index.js';
import type { Logger } from '../log/index.js';

/**
 * Folds the per-backend shards of rollup rows older than `olderThanMs` into one row each (the
 * SQL function `compact_report_rollups`, migration 0030). Reports are exact either way; fewer rows
 * make them faster. Safe beside writers and beside another compactor.
 */
export async function compactReportRollups(pool: Pool, olderThanMs = 15 * 60_000, now = new Date()): Promise<number> {
  const { rows } = await pool.query<{ folded: number }>(`SELECT compact_report_rollups($1) AS folded`, [new Date(now.getTime() - olderThanMs)]);
  return Number(rows[0]!.folded);
}

/** Recomputes every rollup from the ledger (writers wait meanwhile): after a bulk import, or to prove them. */
export async function rebuildReportRollups(pool: Pool): Promise<void> {
  await pool.query(`SELECT rebuild_report_rollups()`);
}

/** The worker role's compactor: every `intervalMs` (default 10 minutes). */
export class RollupCompactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: { pool: Pool; logger: Logger; intervalMs?: number }) {}

  start(): void {
    const tick = () => {
      this.running = compactReportRollups(this.deps.pool)
        .then(() => undefined)
        .catch((err: unknown) => this.deps.logger.error({ err }, 'report rollup compaction failed; retrying'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.deps.intervalMs ?? 600_000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.running;
  }
}
