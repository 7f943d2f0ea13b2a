import type { Queue } from 'bullmq';
import type { Pool } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import { PeriodicTask } from '../../app/periodic-task.js';
import { findTier, tierRank, type ProgramDefinition } from '../../program/index.js';
import { currentProgram } from '../../program/store.js';
import { activitySummaries } from '../../ledger/index.js';
import { gapsToTier, nextReviewAt, reviewQualificationWindow, tierThresholds, type ActivitySummary, type TimeWindow } from '../../tiers/index.js';
import type { DeliveryJob } from '../delivery/queue.js';
import { enqueueDeliveries, insertSendRecords, type MessageRequest } from '../store/send-records.js';
import { messageDefinition, type Channel } from '../templates/index.js';

interface TierChangeRow {
  id: string;
  member_id: string;
  from_tier: string;
  to_tier: string;
  at: Date;
  joined_at: Date;
  tier_started_at: Date;
}

export function tierChangeMessageId(tierChangeId: string | number, channel: Channel): string {
  return `tier_change.${tierChangeId}.${channel}`;
}

/**
 * What the member still has to earn, in the window judged at `regainBy`, to get `fromTier` back:
 * the gap in qualifying points (for `any_of`, the qualifying-points criterion; for hybrid, the
 * weighted score), never below 0.
 */
export function pointsToRegain(program: ProgramDefinition, fromTier: string, summary: ActivitySummary): number {
  const table = tierThresholds(program);
  const gaps = gapsToTier(table, tierRank(program, fromTier), summary);
  const byPoints = table.measures.findIndex((m) => m.measure.type === 'qualifying_points');
  const gap = table.metricType === 'any_of' && byPoints >= 0 ? gaps[byPoints] : gaps[0];
  return gap?.gap ?? 0;
}

/** The window a downgraded member must requalify in: the one judged at the next review. */
export function regainWindow(program: ProgramDefinition, change: Pick<TierChangeRow, 'at' | 'joined_at' | 'tier_started_at'>): TimeWindow {
  return reviewQualificationWindow(program, nextReviewAt(program, { joinedAt: change.joined_at, tierStartedAt: change.tier_started_at }, change.at));
}

/**
 * tier_upgraded or tier_downgraded, with its variables; undefined for a change the program cannot
 * place. `activity` (over `regainWindow`) makes a downgrade's points to regain the member's real
 * gap; without it the lost tier's whole threshold is quoted.
 */
export function tierChangeMessage(
  program: ProgramDefinition,
  change: TierChangeRow,
  activity?: ActivitySummary,
): { message: string; vars: Record<string, unknown> } | undefined {
  let fromRank: number;
  let toRank: number;
  try {
    fromRank = tierRank(program, change.from_tier);
    toRank = tierRank(program, change.to_tier);
  } catch {
    return undefined;
  }
  if (fromRank === toRank) return undefined;
  const review = nextReviewAt(program, { joinedAt: change.joined_at, tierStartedAt: change.tier_started_at }, change.at).toISOString();
  if (toRank > fromRank) {
    return {
      message: 'tier_upgraded',
      vars: { fromTier: change.from_tier, toTier: change.to_tier, earnBonusPercent: findTier(program, change.to_tier).benefits.earnBonusPercent, tierExpiresAt: review },
    };
  }
  const threshold = findTier(program, change.from_tier).threshold;
  const regain = activity ? pointsToRegain(program, change.from_tier, activity) : typeof threshold === 'number' ? threshold : 0;
  return {
    message: 'tier_downgraded',
    vars: { fromTier: change.from_tier, toTier: change.to_tier, pointsToRegain: regain, regainBy: review },
  };
}

/** Activity of each downgraded member over their regain window (one statement per distinct window). */
async function downgradeActivity(pool: Pool, program: ProgramDefinition, rows: readonly TierChangeRow[]): Promise<Map<string, ActivitySummary>> {
  const byWindow = new Map<string, { window: TimeWindow; changes: TierChangeRow[] }>();
  for (const row of rows) {
    let down: boolean;
    try {
      down = tierRank(program, row.to_tier) < tierRank(program, row.from_tier);
    } catch {
      continue;
    }
    if (!down) continue;
    const window = regainWindow(program, row);
    const key = `${window.start.toISOString()}|${window.end.toISOString()}`;
    const group = byWindow.get(key) ?? { window, changes: [] };
    group.changes.push(row);
    byWindow.set(key, group);
  }
  const activity = new Map<string, ActivitySummary>();
  for (const { window, changes } of byWindow.values()) {
    const summaries = await activitySummaries(pool, program, [...new Set(changes.map((c) => c.member_id))], window);
    for (const change of changes) {
      const summary = summaries.get(change.member_id);
      if (summary) activity.set(change.id, summary);
    }
  }
  return activity;
}

const CURSOR = 'tier_changes';
// A tier change committed this long after a higher id was seen is still picked up.
const COMMIT_LAG_MS = 60_000;

/**
 * Turns tier_changes rows (upgrades from ingestion, downgrades from reviews) into tier messages.
 * Scans from a cursor that trails what it has seen by a minute, so a row whose id was allocated
 * earlier but committed later is not skipped; message ids derive from the row id, so rescanning
 * writes nothing twice.
 */
export class TierChangeNotifier {
  private readonly loop: PeriodicTask;
  private readonly seen: { at: number; maxId: number }[] = [];
  private cursor: number | undefined;
  /** Highest id handled by this process; between the cursor and it only unmessaged rows are rescanned. */
  private scanned = 0;

  constructor(
    private readonly deps: { pool: Pool; queue: Queue<DeliveryJob>; channels: readonly Channel[]; logger: Logger; intervalMs?: number },
  ) {
    this.loop = new PeriodicTask({ run: () => this.sweepOnce(), intervalMs: deps.intervalMs ?? 2000, logger: deps.logger, failure: 'tier change notifier failed; retrying' });
  }

  private async loadCursor(): Promise<number> {
    const { rows } = await this.deps.pool.query<{ position: number }>(`SELECT position FROM messaging_cursors WHERE name = $1`, [CURSOR]);
    if (rows[0]) return rows[0].position;
    // First start: announce changes from now on, not the whole history.
    const max = await this.deps.pool.query<{ max: number | null }>(`SELECT max(id)::bigint AS max FROM tier_changes`);
    const position = max.rows[0]?.max ?? 0;
    await this.deps.pool.query(`INSERT INTO messaging_cursors (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [CURSOR, position]);
    return position;
  }

  /** One scan; returns how many tier messages it requested. */
  async sweepOnce(): Promise<number> {
    this.cursor ??= await this.loadCursor();
    const { rows } = await this.deps.pool.query<TierChangeRow>(
      `SELECT tc.id, tc.member_id, tc.from_tier, tc.to_tier, tc.at, m.joined_at, m.tier_started_at
         FROM tier_changes tc JOIN members m ON m.id = tc.member_id
        WHERE tc.id > $1 AND tc.from_tier IS NOT NULL AND tc.from_tier <> tc.to_tier AND tc.reason NOT LIKE 'historic\\_%'
          AND (tc.id > $2 OR NOT EXISTS (
                SELECT 1 FROM messages m WHERE m.id IN ('tier_change.' || tc.id || '.email', 'tier_change.' || tc.id || '.sms', 'tier_change.' || tc.id || '.inbox')))
        ORDER BY tc.id LIMIT 1000`,
      [this.cursor, Math.max(this.scanned, this.cursor)],
    );
    let requested = 0;
    if (rows.length > 0) {
      const program = (await currentProgram(this.deps.pool)).definition;
      const activity = await downgradeActivity(this.deps.pool, program, rows);
      const requests: MessageRequest[] = [];
      for (const row of rows) {
        const message = tierChangeMessage(program, row, activity.get(row.id));
        if (!message) continue;
        const definition = messageDefinition(message.message);
        for (const channel of this.deps.channels) {
          if (!definition?.channels.includes(channel)) continue;
          requests.push({ id: tierChangeMessageId(row.id, channel), message: message.message, channel, memberId: row.member_id, vars: message.vars });
        }
      }
      await insertSendRecords(this.deps.pool, requests);
      const { rows: pending } = await this.deps.pool.query<{ id: string }>(`SELECT id FROM messages WHERE id = ANY($1::text[]) AND status = 'queued'`, [requests.map((r) => r.id)]);
      await enqueueDeliveries(this.deps.queue, pending.map((r) => r.id));
      requested = pending.length;
      const maxId = Number(rows[rows.length - 1]!.id);
      this.scanned = Math.max(this.scanned, maxId);
      this.seen.push({ at: Date.now(), maxId });
    }
    const safe = this.seen.filter((s) => Date.now() - s.at >= COMMIT_LAG_MS);
    if (safe.length > 0) {
      const position = Math.max(...safe.map((s) => s.maxId));
      this.seen.splice(0, this.seen.length, ...this.seen.filter((s) => Date.now() - s.at < COMMIT_LAG_MS));
      if (position > this.cursor) {
        this.cursor = position;
        await this.deps.pool.query(`UPDATE messaging_cursors SET position = $2, updated_at = now() WHERE name = $1`, [CURSOR, position]);
      }
    }
    return requested;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
