import type { ProgramDefinition } from '../../program/index.js';
import { requiredMeasures, type ActivitySummary, type TimeWindow } from '../../tiers/index.js';

/** The grouped rows a summary is folded from: the SQL returns them, and an event in memory adds its own. */
export interface ActivityRows {
  ledger: { member_id: string; rule_id: string | null; qualifying: number }[];
  events: { member_id: string; type: string; n: number; amount: number }[];
  balances: { member_id: string; available: number }[];
  sums: { member_id: string; key: string; total: number }[];
}

/** The (event type, property) sums the program's qualification reads. */
export function eventSumMeasures(program: ProgramDefinition): { type: string; property: string }[] {
  return requiredMeasures(program).flatMap((m) => (m.type === 'event_sum' ? [{ type: m.eventType, property: m.property }] : []));
}

type MutableSummary = {
  qualifyingPoints: number;
  qualifyingPointsByRule: Record<string, number>;
  spend: number;
  transactionCount: number;
  balance: number;
  eventCounts: Record<string, number>;
  eventSums: Record<string, number>;
};

function copy(s: ActivitySummary | undefined): MutableSummary {
  return {
    qualifyingPoints: s?.qualifyingPoints ?? 0,
    qualifyingPointsByRule: { ...s?.qualifyingPointsByRule },
    spend: s?.spend ?? 0,
    transactionCount: s?.transactionCount ?? 0,
    balance: s?.balance ?? 0,
    eventCounts: { ...s?.eventCounts },
    eventSums: { ...s?.eventSums },
  };
}

/** Folds activity rows into summaries, on top of `base` (counts and sums add; the balance is replaced). */
export function foldActivity(memberIds: readonly string[], rows: ActivityRows, base?: ReadonlyMap<string, ActivitySummary>): Map<string, ActivitySummary> {
  const out = new Map<string, MutableSummary>();
  const get = (id: string) => {
    let s = out.get(id);
    if (!s) {
      s = copy(base?.get(id));
      out.set(id, s);
    }
    return s;
  };
  for (const id of memberIds) get(id);
  for (const r of rows.ledger) {
    const s = get(r.member_id);
    s.qualifyingPoints += r.qualifying;
    if (r.rule_id) s.qualifyingPointsByRule[r.rule_id] = (s.qualifyingPointsByRule[r.rule_id] ?? 0) + r.qualifying;
  }
  for (const r of rows.events) {
    const s = get(r.member_id);
    s.eventCounts[r.type] = (s.eventCounts[r.type] ?? 0) + r.n;
    if (r.type === 'purchase') {
      s.spend += r.amount;
      s.transactionCount += r.n;
    } else if (r.type === 'refund') {
      s.spend -= r.amount;
    }
  }
  for (const r of rows.balances) get(r.member_id).balance = r.available;
  for (const r of rows.sums) get(r.member_id).eventSums[r.key] = (get(r.member_id).eventSums[r.key] ?? 0) + r.total;
  return out;
}

/**
 * A member's summary after one more event, without asking the database: the event's own rows
 * (its entries' qualifying points and the event itself, when inside the window) folded on top.
 */
export function activityWithEvent(
  program: ProgramDefinition,
  summary: ActivitySummary,
  window: TimeWindow,
  memberId: string,
  event: { type: string; occurredAt: Date; amount: number | null; properties: Record<string, unknown> },
  entries: readonly { ruleId: string | null; qualifyingPoints: number; at: Date }[],
  balance: number,
): ActivitySummary {
  const inWindow = (at: Date) => at.getTime() >= window.start.getTime() && at.getTime() < window.end.getTime();
  const eventInWindow = inWindow(event.occurredAt);
  const rows: ActivityRows = {
    ledger: entries.filter((e) => e.qualifyingPoints !== 0 && inWindow(e.at)).map((e) => ({ member_id: memberId, rule_id: e.ruleId, qualifying: e.qualifyingPoints })),
    events: eventInWindow ? [{ member_id: memberId, type: event.type, n: 1, amount: event.amount ?? 0 }] : [],
    balances: [{ member_id: memberId, available: balance }],
    sums: eventInWindow
      ? eventSumMeasures(program).flatMap((m) => {
          const v = event.properties[m.property];
          return m.type === event.type && typeof v === 'number' ? [{ member_id: memberId, key: `${m.type}.${m.property}`, total: Math.trunc(v) }] : [];
        })
      : [],
  };
  return foldActivity([memberId], rows, new Map([[memberId, summary]])).get(memberId)!;
}
