import type { Measure, ProgramDefinition } from '../program/schema.js';
import type { ActivitySummary } from './types.js';

/** A stable name for a measure, usable as a SQL column alias or a map key. */
export function measureKey(measure: Measure): string {
  switch (measure.type) {
    case 'qualifying_points':
      return measure.rules ? `qualifying_points:${[...measure.rules].sort().join('+')}` : 'qualifying_points';
    case 'event_count':
      return `event_count:${measure.eventType}`;
    case 'event_sum':
      return `event_sum:${measure.eventType}.${measure.property}`;
    default:
      return measure.type;
  }
}

export function measureLabel(measure: Measure): string {
  switch (measure.type) {
    case 'qualifying_points':
      return measure.rules ? `qualifying points from ${measure.rules.join(', ')}` : 'qualifying points';
    case 'spend':
      return 'spend';
    case 'transaction_count':
      return 'transactions';
    case 'balance':
      return 'points balance';
    case 'event_count':
      return `${measure.eventType} events`;
    case 'event_sum':
      return `${measure.eventType} ${measure.property}`;
  }
}

function lookup(record: Readonly<Record<string, number>> | undefined, key: string): number {
  if (!record || !Object.hasOwn(record, key)) return 0;
  const value = record[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
}

export function measureValue(measure: Measure, summary: ActivitySummary): number {
  switch (measure.type) {
    case 'qualifying_points':
      return measure.rules ? measure.rules.reduce((sum, ruleId) => sum + lookup(summary.qualifyingPointsByRule, ruleId), 0) : summary.qualifyingPoints;
    case 'spend':
      return summary.spend;
    case 'transaction_count':
      return summary.transactionCount;
    case 'balance':
      return summary.balance;
    case 'event_count':
      return lookup(summary.eventCounts, measure.eventType);
    case 'event_sum':
      return lookup(summary.eventSums, `${measure.eventType}.${measure.property}`);
  }
}

/** Every measure the program's qualification reads, deduplicated: what the SQL layer must aggregate. */
export function requiredMeasures(program: ProgramDefinition): Measure[] {
  const metric = program.qualification.metric;
  const measures: Measure[] =
    metric.type === 'hybrid' ? metric.components.map((c) => c.measure) : metric.type === 'any_of' ? metric.criteria.map((c) => c.measure) : [metric];
  const seen = new Set<string>();
  return measures.filter((m) => {
    const key = measureKey(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
