import { WINBACK_DEFAULTS, findTier, type ProgramDefinition, type WinbackSettings } from '../../program/index.js';

export function winbackSettings(program: ProgramDefinition): WinbackSettings {
  return program.winback ?? { ...WINBACK_DEFAULTS, nudgeDays: [...WINBACK_DEFAULTS.nudgeDays] };
}

/**
 * Qualifying points to earn after the demotion to get `fromTierId` back: `requalifyPercent` % of
 * its threshold, rounded up. For an any_of tier (thresholds per criterion) the qualifying-points
 * criterion is used when there is one; otherwise there is no challenge (null) and only a
 * regular requalification brings the tier back.
 */
export function requalifyTarget(program: ProgramDefinition, fromTierId: string): number | null {
  const threshold = findTier(program, fromTierId).threshold;
  const percent = winbackSettings(program).requalifyPercent;
  let base: number | undefined;
  if (typeof threshold === 'number') base = threshold;
  else if (program.qualification.metric.type === 'any_of') {
    const criterion = program.qualification.metric.criteria.find((c) => c.measure.type === 'qualifying_points');
    if (criterion) base = threshold[criterion.id];
  }
  if (base === undefined || base <= 0) return null;
  return Math.ceil((base * percent) / 100);
}

/**
 * Spend (minor units) that earns `points` base points under the program's purchase rules: the
 * cheapest purchase rule decides. Null when no purchase rule earns by amount.
 */
export function spendForPoints(program: ProgramDefinition, points: number): number | null {
  if (points <= 0) return 0;
  let best: number | null = null;
  for (const rule of program.earningRules) {
    if (rule.trigger !== 'purchase' || !rule.qualifying) continue;
    let spend: number | null = null;
    if (rule.effect.type === 'per_amount_step') spend = Math.ceil(points / rule.effect.points) * rule.effect.step;
    else if (rule.effect.type === 'percent') spend = Math.ceil((points * 10_000) / rule.effect.basisPoints);
    if (spend !== null && (best === null || spend < best)) best = spend;
  }
  return best;
}
