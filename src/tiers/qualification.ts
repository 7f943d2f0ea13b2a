import { toSafeNumber } from '../ledger/core/integer-math.js';
import type { ProgramDefinition } from '../program/schema.js';
import { measureValue } from './measures.js';
import type { TierThresholdTable } from './thresholds.js';
import { tierThresholds } from './thresholds.js';
import type { ActivitySummary } from './types.js';

export interface MetricGap {
  readonly key: string;
  readonly label: string;
  readonly current: number;
  readonly required: number;
  /** How much is missing; 0 when met. */
  readonly gap: number;
}

/** Hybrid score: floor(sum(weight x max(value, 0)) / 10000), in bigint to keep it exact. */
export function hybridScore(table: TierThresholdTable, summary: ActivitySummary): number {
  let total = 0n;
  for (const m of table.measures) total += BigInt(m.weightBasisPoints ?? 0) * BigInt(Math.max(0, measureValue(m.measure, summary)));
  return toSafeNumber(total / 10_000n);
}

/** Does the summary meet tier `rank`'s thresholds? Rank 0 always does. */
export function meetsTier(table: TierThresholdTable, rank: number, summary: ActivitySummary): boolean {
  if (rank === 0) return true;
  const row = table.tiers[rank];
  if (!row) return false;
  if (table.metricType === 'hybrid') return hybridScore(table, summary) >= (row.thresholds[0] ?? 0);
  if (table.metricType === 'single') return measureValue(table.measures[0]!.measure, summary) >= (row.thresholds[0] ?? 0);
  return table.measures.some((m, i) => measureValue(m.measure, summary) >= (row.thresholds[i] ?? 0));
}

/** The highest tier the activity qualifies for. */
export function qualifiedTierRank(program: ProgramDefinition, summary: ActivitySummary, table = tierThresholds(program)): number {
  for (let rank = table.tiers.length - 1; rank > 0; rank -= 1) if (meetsTier(table, rank, summary)) return rank;
  return 0;
}

/**
 * The distance to tier `rank` in each metric. For `any_of` closing any one gap is enough; for
 * hybrid the single entry is the weighted score.
 */
export function gapsToTier(table: TierThresholdTable, rank: number, summary: ActivitySummary): MetricGap[] {
  const row = table.tiers[rank];
  if (!row) return [];
  if (table.metricType === 'hybrid') {
    const current = hybridScore(table, summary);
    const required = row.thresholds[0] ?? 0;
    return [{ key: 'hybrid_score', label: 'weighted score', current, required, gap: Math.max(0, required - current) }];
  }
  return table.measures.map((m, i) => {
    const current = measureValue(m.measure, summary);
    const required = row.thresholds[i] ?? 0;
    return { key: m.criterionId ?? m.key, label: m.label, current, required, gap: Math.max(0, required - current) };
  });
}
