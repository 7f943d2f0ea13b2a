import type { Measure, ProgramDefinition } from '../program/schema.js';
import { measureKey, measureLabel } from './measures.js';

export interface ThresholdMeasure {
  readonly key: string;
  readonly label: string;
  readonly measure: Measure;
  /** Hybrid only. */
  readonly weightBasisPoints?: number;
  /** any_of only. */
  readonly criterionId?: string;
}

export interface TierThresholdRow {
  readonly tierId: string;
  readonly rank: number;
  readonly earnBonusPercent: number;
  /**
   * single: `[threshold]` on `measures[0]`; hybrid: `[scoreThreshold]`; any_of: one threshold per
   * entry of `measures`, aligned by index.
   */
  readonly thresholds: readonly number[];
}

/**
 * The qualification table in a shape that turns into one set-based statement. With `v_i` the
 * member's value of `measures[i]` over the window:
 *
 *   single:  qualified_rank = max(rank) where v_0 >= thresholds[0]
 *   hybrid:  score = (sum_i weightBasisPoints_i * greatest(v_i, 0)) / 10000   -- integer division
 *            qualified_rank = max(rank) where score >= thresholds[0]
 *   any_of:  qualified_rank = max(rank) where v_0 >= thresholds[0] OR v_1 >= thresholds[1] ...
 *
 * Rank 0 (the base tier) always qualifies. Review target: see `reviewTargetRank`.
 */
export interface TierThresholdTable {
  readonly metricType: 'single' | 'hybrid' | 'any_of';
  readonly measures: readonly ThresholdMeasure[];
  readonly tiers: readonly TierThresholdRow[];
  readonly review: {
    /** null = no soft landing limit. */
    readonly maxStepsPerReview: number | null;
    readonly graceDays: number;
    readonly manualTierIsFloor: boolean;
  };
}

export function tierThresholds(program: ProgramDefinition): TierThresholdTable {
  const metric = program.qualification.metric;
  const review = {
    maxStepsPerReview: program.qualification.downgrade.maxStepsPerReview,
    graceDays: program.qualification.downgrade.graceDays,
    manualTierIsFloor: program.qualification.manualTierIsFloor,
  };
  const row = (rank: number, thresholds: number[]): TierThresholdRow => {
    const tier = program.tiers[rank]!;
    return { tierId: tier.id, rank, earnBonusPercent: tier.benefits.earnBonusPercent, thresholds };
  };
  const scalar = (rank: number) => {
    const t = program.tiers[rank]!.threshold;
    return typeof t === 'number' ? t : 0;
  };
  if (metric.type === 'any_of') {
    return {
      metricType: 'any_of',
      measures: metric.criteria.map((c) => ({ key: measureKey(c.measure), label: c.label ?? measureLabel(c.measure), measure: c.measure, criterionId: c.id })),
      tiers: program.tiers.map((tier, rank) =>
        row(
          rank,
          metric.criteria.map((c) => (typeof tier.threshold === 'number' ? tier.threshold : (tier.threshold[c.id] ?? 0))),
        ),
      ),
      review,
    };
  }
  if (metric.type === 'hybrid') {
    return {
      metricType: 'hybrid',
      measures: metric.components.map((c) => ({ key: measureKey(c.measure), label: measureLabel(c.measure), measure: c.measure, weightBasisPoints: c.weightBasisPoints })),
      tiers: program.tiers.map((_, rank) => row(rank, [scalar(rank)])),
      review,
    };
  }
  return {
    metricType: 'single',
    measures: [{ key: measureKey(metric), label: measureLabel(metric), measure: metric }],
    tiers: program.tiers.map((_, rank) => row(rank, [scalar(rank)])),
    review,
  };
}
