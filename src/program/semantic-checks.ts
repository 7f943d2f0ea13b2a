import { daysInMonth } from './calendar.js';
import type { ProgramIssue } from './issues.js';
import { formatIssuePath } from './issues.js';
import type { Measure, ProgramDefinition } from './schema.js';

/**
 * Rules a schema cannot express: ordering, uniqueness and cross references. Returns every problem
 * found (not just the first) so a marketer can fix a file in one pass.
 */
export function checkProgramSemantics(program: ProgramDefinition): ProgramIssue[] {
  const issues: ProgramIssue[] = [];
  const add = (path: readonly PropertyKey[], message: string) => issues.push({ path: formatIssuePath(path), message });

  checkUnique(program.tiers.map((t) => t.id), (i, id) => add(['tiers', i, 'id'], `duplicate tier id "${id}"`));
  checkUnique(program.earningRules.map((r) => r.id), (i, id) => add(['earningRules', i, 'id'], `duplicate rule id "${id}"`));
  checkUnique(program.rewards.map((r) => r.id), (i, id) => add(['rewards', i, 'id'], `duplicate reward id "${id}"`));

  const ruleIds = new Set(program.earningRules.map((r) => r.id));
  const checkMeasure = (measure: Measure, path: PropertyKey[]) => {
    if (measure.type === 'qualifying_points' && measure.rules) {
      measure.rules.forEach((ruleId, i) => {
        if (!ruleIds.has(ruleId)) add([...path, 'rules', i], `unknown earning rule "${ruleId}"`);
      });
    }
  };

  const metric = program.qualification.metric;
  const metricPath = ['qualification', 'metric'];
  if (metric.type === 'hybrid') {
    metric.components.forEach((c, i) => checkMeasure(c.measure, [...metricPath, 'components', i, 'measure']));
  } else if (metric.type === 'any_of') {
    checkUnique(metric.criteria.map((c) => c.id), (i, id) => add([...metricPath, 'criteria', i, 'id'], `duplicate criterion id "${id}"`));
    metric.criteria.forEach((c, i) => checkMeasure(c.measure, [...metricPath, 'criteria', i, 'measure']));
  } else {
    checkMeasure(metric, metricPath);
  }

  checkTierThresholds(program, add);

  const review = program.qualification.review;
  if (review.anchor === 'fixed_date' && review.day > daysInMonth(2024, review.month)) {
    add(['qualification', 'review', 'day'], `month ${review.month} has no day ${review.day}`);
  }
  if (program.expiry.type === 'fixed_date' && program.expiry.day > daysInMonth(2024, program.expiry.month)) {
    add(['expiry', 'day'], `month ${program.expiry.month} has no day ${program.expiry.day}`);
  }

  program.earningRules.forEach((rule, i) => {
    const seen = new Set<string>();
    rule.limits.forEach((limit, j) => {
      if (limit.maxTimes === undefined && limit.maxPoints === undefined) {
        add(['earningRules', i, 'limits', j], 'a limit needs maxTimes or maxPoints');
      }
      if (seen.has(limit.period)) add(['earningRules', i, 'limits', j, 'period'], `duplicate limit period "${limit.period}"`);
      seen.add(limit.period);
    });
    if (rule.activeFrom && rule.activeUntil && Date.parse(rule.activeFrom) >= Date.parse(rule.activeUntil)) {
      add(['earningRules', i, 'activeUntil'], 'activeUntil must be after activeFrom');
    }
  });

  return issues;
}

function checkUnique(ids: readonly string[], onDuplicate: (index: number, id: string) => void): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) onDuplicate(i, id);
    seen.add(id);
  });
}

function checkTierThresholds(program: ProgramDefinition, add: (path: readonly PropertyKey[], message: string) => void): void {
  const metric = program.qualification.metric;
  if (metric.type === 'any_of') {
    const ids = metric.criteria.map((c) => c.id);
    let previous: Record<string, number> | undefined;
    program.tiers.forEach((tier, i) => {
      const path = ['tiers', i, 'threshold'];
      const threshold = tier.threshold;
      if (typeof threshold === 'number') {
        add(path, `expected an object with a threshold for each criterion (${ids.join(', ')})`);
        previous = undefined;
        return;
      }
      let shapeOk = true;
      for (const id of ids) {
        if (!Object.hasOwn(threshold, id)) {
          add([...path, id], 'missing threshold for this criterion');
          shapeOk = false;
        }
      }
      for (const key of Object.keys(threshold)) {
        if (!ids.includes(key)) {
          add([...path, key], `unknown criterion (expected one of ${ids.join(', ')})`);
          shapeOk = false;
        }
      }
      if (!shapeOk) {
        previous = undefined;
        return;
      }
      if (i === 0 && ids.some((id) => threshold[id] !== 0)) {
        add(path, 'the first (base) tier must have threshold 0 for every criterion');
      }
      if (previous) {
        const prev = previous;
        const decreasing = ids.find((id) => (threshold[id] ?? 0) < (prev[id] ?? 0));
        if (decreasing) add([...path, decreasing], 'thresholds must not decrease from one tier to the next');
        else if (ids.every((id) => threshold[id] === prev[id])) add(path, 'thresholds must increase from one tier to the next');
      }
      previous = threshold;
    });
    return;
  }
  let previous: number | undefined;
  program.tiers.forEach((tier, i) => {
    const path = ['tiers', i, 'threshold'];
    if (typeof tier.threshold !== 'number') {
      add(path, 'expected a non-negative integer');
      previous = undefined;
      return;
    }
    if (i === 0 && tier.threshold !== 0) add(path, 'the first (base) tier must have threshold 0');
    if (previous !== undefined && tier.threshold <= previous) {
      add(path, `thresholds must increase from one tier to the next (previous is ${previous})`);
    }
    previous = tier.threshold;
  });
}
