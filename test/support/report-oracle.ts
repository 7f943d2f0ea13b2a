/**
 * The reports' test oracle: interval boundaries and every figure computed the plain way, straight
 * from the raw tables, with none of the report code. Local midnights come from PostgreSQL's own
 * time zone database (`date::timestamp AT TIME ZONE zone`), Persian months from Intl read day by
 * day, sums from `WHERE at >= start AND at < end` over ledger_entries.
 */
import type { Pool } from '../../src/db/index.js';

export interface OracleInterval {
  start: Date;
  end: Date;
}

const persianFormat = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The intervals of from..to (ISO dates, inclusive): every local day's midnight from PostgreSQL, grouped into periods here. */
export async function oracleIntervals(
  pool: Pool,
  q: { from: string; to: string; interval: 'day' | 'week' | 'month'; calendar: 'gregorian' | 'persian'; timeZone: string; weekStartsOn: string },
): Promise<OracleInterval[]> {
  const { rows } = await pool.query<{ day: string; start: Date; dow: number }>(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day, (d::timestamp AT TIME ZONE $3) AS start, extract(dow FROM d)::int AS dow
       FROM generate_series($1::date, $2::date + 1, interval '1 day') AS d ORDER BY d`,
    [q.from, q.to, q.timeZone],
  );
  const weekStart = WEEKDAYS.indexOf(q.calendar === 'persian' ? 'saturday' : q.weekStartsOn);
  const periodKey = (day: string, dow: number, index: number): string => {
    if (q.interval === 'day') return day;
    if (q.interval === 'week') {
      // The number of week starts up to this day names its week.
      let starts = 0;
      for (let i = 0; i <= index; i += 1) if (rows[i]!.dow === weekStart) starts += 1;
      return `w${starts}`;
    }
    if (q.calendar === 'gregorian') return day.slice(0, 7);
    const parts = persianFormat.formatToParts(new Date(`${day}T00:00:00Z`));
    return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
  };
  const intervals: OracleInterval[] = [];
  let previous: string | undefined;
  const days = rows.slice(0, -1);
  days.forEach((r, i) => {
    const key = periodKey(r.day, r.dow, i);
    if (key !== previous) {
      if (intervals.length > 0) intervals[intervals.length - 1]!.end = r.start;
      intervals.push({ start: r.start, end: r.start });
      previous = key;
    }
  });
  intervals[intervals.length - 1]!.end = rows[rows.length - 1]!.start;
  return intervals;
}

/** Every figure of one points-report interval, each its own plain sum over ledger_entries. */
export async function oraclePoints(pool: Pool, start: Date, end: Date, source?: string) {
  const { rows } = await pool.query(
    `SELECT count(*)::bigint AS entries,
            coalesce(sum(amount), 0)::bigint AS net,
            coalesce(sum(qualifying_points), 0)::bigint AS qualifying,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND rule_id IS NOT NULL AND component = 'base'), 0)::bigint AS base,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND rule_id IS NOT NULL AND component = 'tier_bonus'), 0)::bigint AS bonus,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND rule_id IS NULL AND component IS DISTINCT FROM 'offer'), 0)::bigint AS awards,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND component = 'offer'), 0)::bigint AS offers,
            coalesce(sum(amount) FILTER (WHERE kind = 'adjust' AND amount > 0), 0)::bigint AS adjusted_up,
            coalesce(sum(amount) FILTER (WHERE kind = 'restore'), 0)::bigint AS restored,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND pending), 0)::bigint AS pending_at_issue,
            coalesce(-sum(amount) FILTER (WHERE kind = 'redeem'), 0)::bigint AS redeemed,
            coalesce(-sum(amount) FILTER (WHERE kind = 'expire'), 0)::bigint AS expired,
            coalesce(-sum(amount) FILTER (WHERE kind = 'reverse' AND NOT pending), 0)::bigint AS reversed,
            coalesce(-sum(amount) FILTER (WHERE kind = 'reverse' AND pending), 0)::bigint AS cancelled,
            coalesce(-sum(amount) FILTER (WHERE kind = 'adjust' AND amount < 0), 0)::bigint AS adjusted_down
       FROM ledger_entries WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR source = $3)`,
    [start, end, source ?? null],
  );
  const r = rows[0] as Record<string, number>;
  const issuedTotal = r.base! + r.bonus! + r.offers! + r.awards! + r.adjusted_up! + r.restored!;
  const deductedTotal = r.redeemed! + r.expired! + r.reversed! + r.cancelled! + r.adjusted_down!;
  return {
    entries: r.entries!,
    issued: { base: r.base!, bonus: r.bonus!, offers: r.offers!, awards: r.awards!, adjustments: r.adjusted_up!, restored: r.restored!, total: issuedTotal, pendingAtIssue: r.pending_at_issue! },
    deducted: { redeemed: r.redeemed!, expired: r.expired!, reversed: r.reversed!, cancelledPending: r.cancelled!, adjustments: r.adjusted_down!, total: deductedTotal },
    net: r.net!,
    qualifying: r.qualifying!,
  };
}

/** Balance and pending points at an instant: entries before it; pending entries whose lot's window closes at or after it. */
export async function oracleStock(pool: Pool, at: Date) {
  const { rows } = await pool.query<{ balance: number; pending: number }>(
    `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE at < $1)::bigint AS balance,
            (SELECT coalesce(sum(a.points), 0) FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq JOIN lots l ON l.id = a.lot_id
              WHERE e.pending AND e.at < $1 AND l.pending_until >= $1)::bigint AS pending`,
    [at],
  );
  const { balance, pending } = rows[0]!;
  return { balance, pending, available: balance - pending };
}

export async function oracleSources(pool: Pool, start: Date, end: Date): Promise<string[]> {
  const { rows } = await pool.query<{ source: string }>(`SELECT DISTINCT source FROM ledger_entries WHERE at >= $1 AND at < $2 ORDER BY source`, [start, end]);
  return rows.map((r) => r.source);
}

interface TierHistory {
  joinedAt: Map<string, Date>;
  currentTier: Map<string, string>;
  changes: Map<string, { at: Date; from: string; to: string }[]>;
}

/** Every member's joining instant, current tier and tier changes (by time, then id), read once. */
export async function loadTierHistory(pool: Pool): Promise<TierHistory> {
  const members = await pool.query<{ id: string; joined_at: Date; tier_id: string }>(`SELECT id, joined_at, tier_id FROM members`);
  const changes = await pool.query<{ member_id: string; at: Date; from_tier: string; to_tier: string }>(`SELECT member_id, at, from_tier, to_tier FROM tier_changes ORDER BY at, id`);
  const history: TierHistory = { joinedAt: new Map(), currentTier: new Map(), changes: new Map() };
  for (const m of members.rows) {
    history.joinedAt.set(m.id, m.joined_at);
    history.currentTier.set(m.id, m.tier_id);
  }
  for (const c of changes.rows) {
    const list = history.changes.get(c.member_id) ?? [];
    list.push({ at: c.at, from: c.from_tier, to: c.to_tier });
    history.changes.set(c.member_id, list);
  }
  return history;
}

/** A member's tier at `t`: where its last change before `t` led; before any change, where its first change started. */
export function tierAt(history: TierHistory, member: string, t: Date): string {
  const changes = history.changes.get(member) ?? [];
  const before = changes.filter((c) => c.at < t);
  if (before.length > 0) return before[before.length - 1]!.to;
  return changes[0]?.from ?? history.currentTier.get(member)!;
}

function countBy(values: string[]): { tier: string; count: number }[] {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return [...map.entries()].map(([tier, count]) => ({ tier, count })).sort((a, b) => (a.tier < b.tier ? -1 : 1));
}

export async function oracleMembers(pool: Pool, history: TierHistory, start: Date, end: Date) {
  const joined = [...history.joinedAt.entries()].filter(([, j]) => j >= start && j < end).map(([id, j]) => tierAt(history, id, j));
  const { rows } = await pool.query<{ member_id: string }>(`SELECT DISTINCT member_id FROM events WHERE occurred_at >= $1 AND occurred_at < $2`, [start, end]);
  const active = rows.map((r) => tierAt(history, r.member_id, end));
  const closing = [...history.joinedAt.entries()].filter(([, j]) => j < end).map(([id]) => tierAt(history, id, end));
  return {
    new: joined.length,
    newByTier: countBy(joined),
    active: active.length,
    activeByTier: countBy(active),
    closing: { total: closing.length, byTier: countBy(closing) },
  };
}

export async function oracleTiers(pool: Pool, tierOrder: string[], start: Date, end: Date) {
  const reviews = await pool.query<{ from_tier: string; to_tier: string; outcome: string }>(`SELECT from_tier, to_tier, outcome FROM tier_reviews WHERE reviewed_at >= $1 AND reviewed_at < $2`, [start, end]);
  const changes = await pool.query<{ reason: string; from_tier: string; to_tier: string }>(
    `SELECT reason, from_tier, to_tier FROM tier_changes WHERE at >= $1 AND at < $2 AND left(reason, 7) <> 'review_'`,
    [start, end],
  );
  const winbacks = await pool.query<{ status: string }>(`SELECT status FROM winbacks WHERE demoted_at >= $1 AND demoted_at < $2`, [start, end]);
  const dir = (from: string, to: string) => (from === to ? 'same' : tierOrder.indexOf(to) > tierOrder.indexOf(from) ? 'up' : 'down');
  const cells = new Map<string, { from: string; to: string; direction: string; count: number }>();
  for (const r of reviews.rows) {
    const cell = cells.get(`${r.from_tier}>${r.to_tier}`) ?? { from: r.from_tier, to: r.to_tier, direction: dir(r.from_tier, r.to_tier), count: 0 };
    cell.count += 1;
    cells.set(`${r.from_tier}>${r.to_tier}`, cell);
  }
  const reasons = new Map<string, { reason: string; from: string; to: string; count: number }>();
  for (const c of changes.rows) {
    const k = `${c.reason}|${c.from_tier}|${c.to_tier}`;
    const cell = reasons.get(k) ?? { reason: c.reason, from: c.from_tier, to: c.to_tier, count: 0 };
    cell.count += 1;
    reasons.set(k, cell);
  }
  const status = (s: string) => winbacks.rows.filter((w) => w.status === s).length;
  const regained = status('regained');
  const lapsed = status('lapsed');
  const byDir = (d: string) => reviews.rows.filter((r) => dir(r.from_tier, r.to_tier) === d).length;
  const changeDir = (d: string) => changes.rows.filter((c) => dir(c.from_tier, c.to_tier) === d).length;
  return {
    reviews: reviews.rows.length,
    movement: { up: byDir('up'), same: byDir('same'), down: byDir('down') },
    matrix: [...cells.values()],
    gracesStarted: reviews.rows.filter((r) => r.outcome === 'grace_started').length,
    inGrace: reviews.rows.filter((r) => r.outcome === 'in_grace').length,
    betweenReviews: { upgrades: changeDir('up'), downgrades: changeDir('down'), byReason: [...reasons.values()] },
    winback: {
      demotions: winbacks.rows.length,
      active: status('active'),
      regained,
      lapsed,
      regainRate: { numerator: regained, denominator: regained + lapsed, value: regained + lapsed === 0 ? null : Math.round((regained / (regained + lapsed)) * 1e6) / 1e6 },
    },
  };
}

const ratio = (numerator: number, denominator: number) => ({ numerator, denominator, value: denominator === 0 ? null : Math.round((numerator / denominator) * 1e6) / 1e6 });

/** The campaign funnel member by member: every figure of every campaign and variant, and per interval. */
export async function oracleCampaigns(pool: Pool, intervals: OracleInterval[]) {
  const start = intervals[0]!.start;
  const end = intervals[intervals.length - 1]!.end;
  const { rows: entered } = await pool.query<{ campaign_id: string; member_id: string; entered_at: Date; holdout: boolean; variant: string | null; definition: { goal?: { eventType: string; withinDays: number } } }>(
    `SELECT cm.campaign_id, cm.member_id, cm.entered_at, cm.holdout, cm.variant, c.definition FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id
      WHERE cm.entered_at >= $1 AND cm.entered_at < $2`,
    [start, end],
  );
  const { rows: messages } = await pool.query<{ id: string; status: string }>(`SELECT id, status FROM messages`);
  const status = new Map(messages.map((m) => [m.id, m.status]));
  const { rows: unsubscribes } = await pool.query<{ member_id: string; created_at: Date }>(`SELECT member_id, created_at FROM suppressions WHERE reason = 'unsubscribed'`);
  const { rows: events } = await pool.query<{ member_id: string; type: string; amount: number | null; occurred_at: Date }>(`SELECT member_id, type, amount, occurred_at FROM events`);
  const { rows: grants } = await pool.query<{ id: number; member_id: string; campaign_id: string | null }>(`SELECT id, member_id, campaign_id FROM offer_grants`);
  const { rows: uses } = await pool.query<{ grant_id: number; cancelled_at: Date | null }>(`SELECT grant_id, cancelled_at FROM offer_uses`);
  const funnels = new Map<string, Record<string, number>>();
  // Each entry's own funnel (`campaign/member`), to hold the stored funnel columns against.
  const entries = new Map<string, { msgStatus: string | null; unsubscribed: boolean; offerGranted: boolean; offerUsed: boolean; converted: boolean; revenue: number; orders: number }>();
  const perInterval = intervals.map(() => ({ entered: 0, sent: 0, delivered: 0, converted: 0, revenue: 0 }));
  for (const e of entered) {
    const days = e.definition.goal?.withinDays ?? 7;
    const until = new Date(e.entered_at.getTime() + days * 86_400_000);
    const inWindow = (t: Date) => t >= e.entered_at && t < until;
    const s = status.get(`campaign.${e.campaign_id}.0.${e.member_id}`);
    const mine = events.filter((ev) => ev.member_id === e.member_id && inWindow(ev.occurred_at));
    const f = {
      audience: 1,
      sent: s && ['sending', 'sent', 'failed', 'unknown', 'dead'].includes(s) ? 1 : 0,
      delivered: s === 'sent' ? 1 : 0,
      failed: s === 'failed' || s === 'dead' ? 1 : 0,
      capped: s === 'capped' ? 1 : 0,
      suppressed: s === 'suppressed' ? 1 : 0,
      pending: s === 'queued' || s === 'held' ? 1 : 0,
      unsubscribed: unsubscribes.some((u) => u.member_id === e.member_id && inWindow(u.created_at)) ? 1 : 0,
      offerGranted: grants.some((g) => g.member_id === e.member_id && g.campaign_id === e.campaign_id) ? 1 : 0,
      offerUsed: grants.some((g) => g.member_id === e.member_id && g.campaign_id === e.campaign_id && uses.some((u) => u.grant_id === g.id && u.cancelled_at === null)) ? 1 : 0,
      converted: e.definition.goal && mine.some((ev) => ev.type === e.definition.goal!.eventType) ? 1 : 0,
      revenue: mine.reduce((sum, ev) => sum + (ev.type === 'purchase' ? ev.amount! : ev.type === 'refund' ? -ev.amount! : 0), 0),
      orders: mine.filter((ev) => ev.type === 'purchase').length,
    };
    entries.set(`${e.campaign_id}/${e.member_id}`, {
      msgStatus: s ?? null,
      unsubscribed: f.unsubscribed === 1,
      offerGranted: f.offerGranted === 1,
      offerUsed: f.offerUsed === 1,
      converted: f.converted === 1,
      revenue: f.revenue,
      orders: f.orders,
    });
    for (const key of [`${e.campaign_id}|${e.holdout ? 'holdout' : e.variant}`, `${e.campaign_id}|*`]) {
      const acc = funnels.get(key) ?? {};
      for (const [k, v] of Object.entries(f)) acc[k] = (acc[k] ?? 0) + v;
      funnels.set(key, acc);
    }
    const i = intervals.findIndex((iv) => e.entered_at >= iv.start && e.entered_at < iv.end);
    perInterval[i]!.entered += 1;
    perInterval[i]!.sent += f.sent;
    perInterval[i]!.delivered += f.delivered;
    perInterval[i]!.converted += f.converted;
    perInterval[i]!.revenue += f.revenue;
  }
  const withRate = (f: Record<string, number>) => ({ ...f, conversionRate: ratio(f.converted!, f.audience!) });
  const campaigns = new Map<string, { totals: Record<string, unknown>; variants: Map<string, Record<string, unknown>> }>();
  for (const [key, f] of funnels) {
    const [campaignId, variant] = key.split('|') as [string, string];
    const c = campaigns.get(campaignId) ?? { totals: {}, variants: new Map() };
    if (variant === '*') c.totals = withRate(f);
    else {
      const holdout = funnels.get(`${campaignId}|holdout`);
      const lift = variant !== 'holdout' && holdout ? ratio(f.converted! * holdout.audience! - holdout.converted! * f.audience!, holdout.converted! * f.audience!) : null;
      c.variants.set(variant, { ...withRate(f), lift });
    }
    campaigns.set(campaignId, c);
  }
  return { campaigns, perInterval, entries };
}

export async function oracleMissions(pool: Pool, start: Date, end: Date, missionId?: string) {
  const { rows } = await pool.query<{ mission_id: string; status: string; created_at: Date; completed_at: Date | null }>(
    `SELECT mission_id, status, created_at, completed_at FROM mission_enrollments WHERE $1::text IS NULL OR mission_id = $1`,
    [missionId ?? null],
  );
  const { rows: points } = await pool.query<{ n: number }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS n FROM ledger_entries WHERE kind = 'earn' AND at >= $1 AND at < $2 AND source LIKE $3`,
    [start, end, missionId ? `mission:${missionId}` : 'mission:%'],
  );
  const cohort = rows.filter((r) => r.created_at >= start && r.created_at < end);
  return {
    enrolled: cohort.length,
    completed: rows.filter((r) => r.completed_at && r.completed_at >= start && r.completed_at < end).length,
    completionRate: ratio(cohort.filter((r) => r.status === 'completed').length, cohort.length),
    pointsAwarded: points[0]!.n,
  };
}

/** Of the enrollments created in [start, end) of one mission: how many are active and expired now. */
export async function oracleMissionStatuses(pool: Pool, start: Date, end: Date, missionId: string) {
  const { rows } = await pool.query<{ status: string; created_at: Date }>(`SELECT status, created_at FROM mission_enrollments WHERE mission_id = $1`, [missionId]);
  const cohort = rows.filter((r) => r.created_at >= start && r.created_at < end);
  return { active: cohort.filter((r) => r.status === 'active').length, expired: cohort.filter((r) => r.status === 'expired').length };
}

/** The missions a missions report over [start, end) lists: any enrollment created or completed in it, or reward points credited in it. */
export async function oracleMissionIds(pool: Pool, start: Date, end: Date): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT mission_id AS id FROM mission_enrollments WHERE (created_at >= $1 AND created_at < $2) OR (completed_at >= $1 AND completed_at < $2)
     UNION
     SELECT substr(source, length('mission:') + 1) FROM ledger_entries WHERE kind = 'earn' AND at >= $1 AND at < $2 AND source LIKE 'mission:%'`,
    [start, end],
  );
  return rows.map((r) => r.id).sort();
}

/** The missions report rollup (migration 0062) summed over its shards, non-zero rows only (to compare with a rebuild). */
export async function missionRollupRows(pool: Pool) {
  const { rows } = await pool.query(
    `SELECT slice, mission_id, sum(enrolled)::bigint AS enrolled, sum(active)::bigint AS active, sum(done)::bigint AS done, sum(expired)::bigint AS expired,
            sum(completed)::bigint AS completed
       FROM mission_report_rollup GROUP BY 1, 2
     HAVING (sum(enrolled), sum(active), sum(done), sum(expired), sum(completed)) <> (0, 0, 0, 0, 0)
      ORDER BY slice, mission_id COLLATE "C"`,
  );
  return rows;
}

export async function oracleContests(pool: Pool, start: Date, end: Date, contestId?: string) {
  const { rows: contributions } = await pool.query<{ contest_id: string; member_id: string; delta: number; at: Date }>(`SELECT contest_id, member_id, delta, at FROM contest_contributions`);
  const inRange = contributions.filter((c) => c.at >= start && c.at < end && c.delta !== 0 && (contestId === undefined || c.contest_id === contestId));
  const { rows: prizes } = await pool.query<{ n: number }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS n FROM ledger_entries WHERE kind = 'earn' AND at >= $1 AND at < $2 AND source LIKE $3`,
    [start, end, contestId === undefined ? 'contest:%' : `contest:${contestId}`],
  );
  return { contributions: inRange.length, participants: new Set(inRange.map((c) => c.member_id)).size, prizePointsAwarded: prizes[0]!.n };
}

export async function oracleContestRows(pool: Pool, start: Date, end: Date) {
  const { rows: contests } = await pool.query<{ id: string; budget: string }>(`SELECT id, definition ->> 'prizeBudget' AS budget FROM contests WHERE starts_at < $2 AND ends_at > $1`, [start, end]);
  const out = [];
  for (const c of contests) {
    const { rows: contributions } = await pool.query<{ member_id: string; delta: number }>(`SELECT member_id, delta FROM contest_contributions WHERE contest_id = $1`, [c.id]);
    const sums = new Map<string, number>();
    for (const x of contributions) sums.set(x.member_id, (sums.get(x.member_id) ?? 0) + x.delta);
    const { rows: awarded } = await pool.query<{ n: number }>(`SELECT coalesce(sum(amount), 0)::bigint AS n FROM ledger_entries WHERE kind = 'earn' AND source = $1`, [`contest:${c.id}`]);
    const { rows: winners } = await pool.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM contest_standings WHERE contest_id = $1 AND prize_points > 0`, [c.id]);
    out.push({
      contestId: c.id,
      participants: [...sums.values()].filter((v) => v !== 0).length,
      prizeBudget: Number(c.budget),
      prizePointsAwarded: awarded[0]!.n,
      budgetUsed: ratio(awarded[0]!.n, Number(c.budget)),
      winners: winners[0]!.n,
    });
  }
  return out;
}

/**
 * Every sales figure of one interval, the plain way: purchases and refunds counted and summed
 * from events (the tier read from each event's stored result), units and baskets from the
 * purchases' item rows, buyers member by member.
 */
export async function oracleSales(pool: Pool, start: Date, end: Date) {
  const { rows: events } = await pool.query<{ member_id: string; type: string; amount: number; source: string; tier: string | null }>(
    `SELECT member_id, type, amount, source, result -> 'tier' ->> 'from' AS tier FROM events WHERE type IN ('purchase', 'refund') AND occurred_at >= $1 AND occurred_at < $2`,
    [start, end],
  );
  const { rows: items } = await pool.query<{ units: number; baskets: number }>(
    `SELECT coalesce(sum(quantity), 0)::bigint AS units, count(DISTINCT event_id)::bigint AS baskets FROM event_items WHERE type = 'purchase' AND occurred_at >= $1 AND occurred_at < $2`,
    [start, end],
  );
  const group = (list: typeof events) => {
    const orders = list.filter((e) => e.type === 'purchase');
    const refunds = list.filter((e) => e.type === 'refund');
    const gross = orders.reduce((s, e) => s + e.amount, 0);
    const refunded = refunds.reduce((s, e) => s + e.amount, 0);
    return { orders: orders.length, refunds: refunds.length, gross, refunded, revenue: gross - refunded };
  };
  const by = (key: (e: (typeof events)[number]) => string) =>
    [...new Set(events.map(key))].sort().map((k) => ({ key: k, ...group(events.filter((e) => key(e) === k)) }));
  const purchasesByMember = new Map<string, number>();
  for (const e of events) if (e.type === 'purchase') purchasesByMember.set(e.member_id, (purchasesByMember.get(e.member_id) ?? 0) + 1);
  const all = group(events);
  const { units, baskets } = items[0]!;
  const repeat = [...purchasesByMember.values()].filter((n) => n >= 2).length;
  return {
    ...all,
    averageBasket: ratio(all.gross, all.orders),
    itemsPerBasket: ratio(units, baskets),
    buyers: purchasesByMember.size,
    repeatPurchaseRate: ratio(repeat, purchasesByMember.size),
    byTier: by((e) => e.tier ?? 'unknown').map(({ key, ...g }) => ({ tier: key, ...g })),
    byPartner: by((e) => e.source).map(({ key, ...g }) => ({ source: key, ...g })),
  };
}

/** Best and worst SKUs and categories over a range: net of returned items, ranked here (ties by key). */
export async function oracleSellers(pool: Pool, start: Date, end: Date, top: number) {
  const { rows } = await pool.query<{ event_id: string; type: string; sku: string; name: string | null; category: string | null; quantity: number; amount: number }>(
    `SELECT event_id, type, sku, name, category, quantity, amount FROM event_items WHERE occurred_at >= $1 AND occurred_at < $2`,
    [start, end],
  );
  const rank = (keyOf: (r: (typeof rows)[number]) => string | null, named: boolean) => {
    const map = new Map<string, { key: string; name: string | null; quantity: number; revenue: number; orders: number }>();
    for (const r of rows) {
      const key = keyOf(r);
      if (key === null) continue;
      const s = map.get(key) ?? { key, name: null, quantity: 0, revenue: 0, orders: 0 };
      const sign = r.type === 'purchase' ? 1 : -1;
      s.quantity += sign * r.quantity;
      s.revenue += sign * r.amount;
      if (r.type === 'purchase') {
        s.orders += 1;
        if (named && r.name !== null && (s.name === null || r.name > s.name)) s.name = r.name;
      }
      map.set(key, s);
    }
    const sold = [...map.values()].filter((s) => s.orders > 0);
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const list = (field: 'revenue' | 'quantity', dir: 1 | -1) => [...sold].sort((a, b) => dir * (a[field] - b[field]) || byKey(a, b)).slice(0, top);
    return { byRevenue: { best: list('revenue', -1), worst: list('revenue', 1) }, byQuantity: { best: list('quantity', -1), worst: list('quantity', 1) } };
  };
  return { skus: rank((r) => r.sku, true), categories: rank((r) => r.category, false) };
}

/** The sales rollups (migration 0061) summed over shards, in key order: to compare what the triggers wrote with a rebuild. */
export async function salesRollupRows(pool: Pool) {
  const q = async (text: string) => (await pool.query(text)).rows;
  return {
    groups: await q(`SELECT slice, type, tier, source, sum(events)::bigint AS events, sum(amount)::bigint AS amount FROM sales_rollup GROUP BY 1, 2, 3, 4
                      ORDER BY slice, type COLLATE "C", tier COLLATE "C", source COLLATE "C"`),
    items: await q(`SELECT grain, at, sku, category, max(name) AS name, sum(quantity)::bigint AS quantity, sum(revenue)::bigint AS revenue, sum(orders)::bigint AS orders
                      FROM sales_item_rollup GROUP BY 1, 2, 3, 4 ORDER BY grain, at, sku COLLATE "C", category COLLATE "C"`),
    baskets: await q(`SELECT slice, sum(units)::bigint AS units, sum(baskets)::bigint AS baskets FROM sales_basket_rollup GROUP BY 1 ORDER BY 1`),
  };
}

/** Each purchase that lists items: its lines' money adds up to its amount, their points to its base and tier-bonus entries. */
export async function oracleItemMismatches(pool: Pool) {
  const { rows } = await pool.query(
    `SELECT e.id, e.amount, i.money, i.points, l.points AS entry_points
       FROM events e
       JOIN (SELECT event_id, sum(amount)::bigint AS money, sum(points)::bigint AS points FROM event_items GROUP BY 1) i ON i.event_id = e.id
       LEFT JOIN (SELECT event_id, sum(amount)::bigint AS points FROM ledger_entries WHERE kind = 'earn' AND component IN ('base', 'tier_bonus') GROUP BY 1) l ON l.event_id = e.id
      WHERE e.type = 'purchase' AND (i.money <> e.amount OR i.points <> coalesce(l.points, 0))`,
  );
  return rows;
}

/** Running contest totals (contest_member_totals) that differ from the contributions summed member by member: none. */
export async function oracleContestTotalMismatches(pool: Pool) {
  const { rows } = await pool.query(
    `SELECT coalesce(t.contest_id, s.contest_id) AS contest_id, coalesce(t.member_id, s.member_id) AS member_id, t.score, t.contributions, s.score AS expected_score, s.n AS expected_contributions
       FROM contest_member_totals t
       FULL JOIN (SELECT contest_id, member_id, sum(delta)::bigint AS score, count(*)::bigint AS n FROM contest_contributions GROUP BY 1, 2) s
         ON s.contest_id = t.contest_id AND s.member_id = t.member_id
      WHERE t.score IS DISTINCT FROM s.score OR t.contributions IS DISTINCT FROM s.n`,
  );
  return rows;
}

/**
 * campaign_funnel_rollup (migration 0027) summed over its shards against campaign_members grouped by
 * campaign, holdout, variant and 15-minute UTC slice of entering (the entries' own funnel columns are
 * held against the oracle entry by entry): the rows that differ.
 */
export async function campaignRollupMismatches(pool: Pool) {
  const { rows } = await pool.query(
    `WITH e AS (
       SELECT campaign_id, holdout, coalesce(variant, '') AS variant, to_timestamp(floor(extract(epoch FROM entered_at) / 900) * 900) AS slice,
              ARRAY[count(*), count(*) FILTER (WHERE msg_status IN ('sending', 'sent', 'failed', 'unknown', 'dead')), count(*) FILTER (WHERE msg_status = 'sent'),
                    count(*) FILTER (WHERE msg_status IN ('failed', 'dead')), count(*) FILTER (WHERE msg_status = 'capped'), count(*) FILTER (WHERE msg_status = 'suppressed'),
                    count(*) FILTER (WHERE msg_status IN ('queued', 'held')), count(*) FILTER (WHERE unsubscribed), count(*) FILTER (WHERE offer_granted),
                    count(*) FILTER (WHERE offer_used), count(*) FILTER (WHERE converted), sum(revenue), sum(orders)]::bigint[] AS counts
         FROM campaign_members GROUP BY 1, 2, 3, 4),
     r0 AS (
       SELECT campaign_id, holdout, variant, slice,
              ARRAY[sum(audience), sum(sent), sum(delivered), sum(failed), sum(capped), sum(suppressed), sum(pending), sum(unsubscribed),
                    sum(offer_granted), sum(offer_used), sum(converted), sum(revenue), sum(orders)]::bigint[] AS counts
         FROM campaign_funnel_rollup GROUP BY 1, 2, 3, 4),
     r AS (SELECT * FROM r0 WHERE counts <> array_fill(0::bigint, ARRAY[13]))
     SELECT coalesce(e.campaign_id, r.campaign_id) AS campaign_id, coalesce(e.holdout, r.holdout) AS holdout, coalesce(e.variant, r.variant) AS variant,
            coalesce(e.slice, r.slice) AS slice, e.counts AS expected, r.counts AS rollup
       FROM e FULL JOIN r ON r.campaign_id = e.campaign_id AND r.holdout = e.holdout AND r.variant = e.variant AND r.slice = e.slice
      WHERE e.counts IS DISTINCT FROM r.counts`,
  );
  return rows;
}

/** The contests report rollups (migration 0028) summed over their shards, non-zero rows only (to compare with a rebuild). */
export async function contestRollupRows(pool: Pool) {
  const { rows: contributions } = await pool.query(
    `SELECT contest_id, slice, sum(contributions)::bigint AS n FROM contest_contribution_rollup GROUP BY 1, 2 HAVING sum(contributions) <> 0 ORDER BY 1, 2`,
  );
  const { rows: pairs } = await pool.query(
    `SELECT scope, prev_slice, next_slice, sum(pairs)::bigint AS n FROM contest_pair_rollup GROUP BY 1, 2, 3 HAVING sum(pairs) <> 0 ORDER BY 1, 2, 3`,
  );
  return { contributions, pairs };
}

/** contest_participant_counts (migration 0029) against the totals with a non-zero score, per contest: the contests that differ. */
export async function contestParticipantCountMismatches(pool: Pool) {
  const { rows } = await pool.query(
    `SELECT coalesce(p.contest_id, t.contest_id) AS contest_id, p.n AS counted, t.n AS expected
       FROM (SELECT contest_id, sum(participants)::bigint AS n FROM contest_participant_counts GROUP BY 1 HAVING sum(participants) <> 0) p
       FULL JOIN (SELECT contest_id, count(*)::bigint AS n FROM contest_member_totals WHERE score <> 0 GROUP BY 1) t ON t.contest_id = p.contest_id
      WHERE p.n IS DISTINCT FROM t.n`,
  );
  return rows;
}

/** The day × tier counters (report_member_day_tiers, 0038) that differ from the day rows grouped by day and tier at its end, both ways round: none. */
export async function oracleDayTierMismatches(pool: Pool) {
  const { rows } = await pool.query(
    `WITH kept AS (SELECT day::text, tier, n::int FROM (SELECT day, tier, sum(members) AS n FROM report_member_day_tiers GROUP BY 1, 2) t WHERE n <> 0),
          grouped AS (SELECT day::text, coalesce(tier_end, tier_id, '') AS tier, count(*)::int AS n FROM report_member_days GROUP BY 1, 2)
     (SELECT 'kept' AS side, * FROM kept EXCEPT ALL SELECT 'kept', * FROM grouped)
     UNION ALL (SELECT 'grouped', * FROM grouped EXCEPT ALL SELECT 'grouped', * FROM kept)`,
  );
  return rows;
}
