import type { Pool } from '../db/index.js';
import { getMember } from '../members/index.js';
import { calendar } from '../program/index.js';
import { currentProgram } from '../program/store.js';
import { currentQualificationWindow, tierProgress, type TierProgress } from '../tiers/index.js';
import { availablePoints, debtOf, type EntryKind } from './core/index.js';
import { activitySummaries } from './activity.js';
import { loadMemberLotsReadOnly } from './lot-rows.js';

export interface LedgerEntryView {
  seq: number;
  kind: EntryKind;
  amount: number;
  qualifyingPoints: number;
  pending: boolean;
  at: string;
  eventId: string | null;
  ruleId: string | null;
  orderId: string | null;
  rewardId: string | null;
  source: string;
  programVersion: number | null;
  actor: string | null;
  reason: string | null;
}

export interface MemberSummary {
  memberId: string;
  programVersion: number;
  balance: { available: number; pending: number; debt: number; total: number };
  tier: TierProgress;
  expiring: { within30Days: number; within60Days: number; within90Days: number; byDate: { date: string; points: number }[] };
  recentEntries: LedgerEntryView[];
}

const DAY = 86_400_000;

/** Everything a member screen shows, computed from the ledger (the cached balance is not trusted here). */
export async function memberSummary(pool: Pool, memberId: string, now = new Date()): Promise<MemberSummary> {
  const member = await getMember(pool, memberId);
  const program = await currentProgram(pool);
  const lots = await loadMemberLotsReadOnly(pool, memberId);
  const window = currentQualificationWindow(program.definition, now);
  const activity = (await activitySummaries(pool, program.definition, [memberId], window)).get(memberId)!;
  const available = availablePoints(lots, now);
  const pending = lots.filter((l) => l.status === 'pending').reduce((s, l) => s + l.remainingPoints, 0);
  const zone = member.timeZone ?? program.definition.timeZone;
  const byDate = new Map<string, number>();
  let d30 = 0;
  let d60 = 0;
  let d90 = 0;
  for (const lot of lots) {
    if (lot.kind !== 'points' || lot.status !== 'active' || lot.remainingPoints <= 0 || !lot.expiresAt) continue;
    const ms = lot.expiresAt.getTime() - now.getTime();
    if (ms <= 0 || ms > 90 * DAY) continue;
    if (ms <= 30 * DAY) d30 += lot.remainingPoints;
    if (ms <= 60 * DAY) d60 += lot.remainingPoints;
    d90 += lot.remainingPoints;
    // The last day the points can be used, in the member's zone (expiresAt is exclusive).
    const last = calendar.toLocalDate(new Date(lot.expiresAt.getTime() - 1), zone);
    const key = `${last.year}-${String(last.month).padStart(2, '0')}-${String(last.day).padStart(2, '0')}`;
    byDate.set(key, (byDate.get(key) ?? 0) + lot.remainingPoints);
  }
  const recent = await ledgerPage(pool, memberId, { limit: 10 });
  return {
    memberId,
    programVersion: program.version,
    balance: { available, pending, debt: debtOf(lots), total: lots.reduce((s, l) => s + l.remainingPoints, 0) },
    tier: tierProgress({
      program: program.definition,
      member: { tierId: member.tierId, tierStartedAt: member.tierStartedAt, joinedAt: member.joinedAt, manualTierId: member.manualTierId, graceUntil: member.graceUntil },
      summary: { ...activity, balance: available },
      now,
    }),
    expiring: {
      within30Days: d30,
      within60Days: d60,
      within90Days: d90,
      byDate: [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, points]) => ({ date, points })),
    },
    recentEntries: recent.entries,
  };
}

/** Newest first, keyset-paged by `before` (an entry seq). */
export async function ledgerPage(pool: Pool, memberId: string, opts: { limit: number; before?: number }): Promise<{ entries: LedgerEntryView[]; next: number | null }> {
  const { rows } = await pool.query<{
    seq: string;
    kind: EntryKind;
    amount: number;
    qualifying_points: number;
    pending: boolean;
    at: Date;
    event_id: string | null;
    rule_id: string | null;
    order_id: string | null;
    reward_id: string | null;
    source: string;
    program_version: number | null;
    actor: string | null;
    reason: string | null;
  }>(
    `SELECT seq, kind, amount, qualifying_points, pending, at, event_id, rule_id, order_id, reward_id, source, program_version, actor, reason
       FROM ledger_entries WHERE member_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
    [memberId, opts.before ?? null, opts.limit + 1],
  );
  const page = rows.slice(0, opts.limit).map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    amount: r.amount,
    qualifyingPoints: r.qualifying_points,
    pending: r.pending,
    at: r.at.toISOString(),
    eventId: r.event_id,
    ruleId: r.rule_id,
    orderId: r.order_id,
    rewardId: r.reward_id,
    source: r.source,
    programVersion: r.program_version,
    actor: r.actor,
    reason: r.reason,
  }));
  return { entries: page, next: rows.length > opts.limit ? page[page.length - 1]!.seq : null };
}
