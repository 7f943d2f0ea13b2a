/**
 * Random programs of activity for the report property tests: members join, buy (through partners
 * too), review, get refunds (inside and after the return window), redeem, are adjusted, win
 * awards, and the sweeps expire, activate and review tiers — each at its own instant in a window
 * around a DST change or Nowruz, applied in time order through the real ledger functions.
 */
import fc from 'fast-check';
import type { Pool } from '../../src/db/index.js';
import { LaurelError } from '../../src/errors/index.js';
import { activatePendingPoints, adjustPoints, expirePoints, grantAward, ingestEvent, requestAwardNow, reviewTiers } from '../../src/ledger/index.js';
import { cancelRedemption, redeemReward, redemptionIdOf } from '../../src/rewards/index.js';
import { upsertMember } from '../../src/members/index.js';
import type { ProgramDefinition } from '../../src/program/index.js';

/** The shop's catalogue for purchases with items: SKU, category, unit price. */
export const CATALOGUE = [
  { sku: 'ESP-1', category: 'coffee', unitPrice: 250_000 },
  { sku: 'ESP-2', category: 'coffee', unitPrice: 400_000 },
  { sku: 'MUG-1', category: 'kitchen', unitPrice: 150_000 },
  { sku: 'PAN-1', category: 'kitchen', unitPrice: 1_000_000 },
  { sku: 'GIFT-50', category: 'gift_cards', unitPrice: 500_000 },
  { sku: 'TEA-1', category: 'tea', unitPrice: 75_000 },
] as const;

export type ActivityOp =
  | { kind: 'purchase'; member: number; minute: number; amount: number; partner: boolean; lines: { sku: number; quantity: number }[] | null }
  | { kind: 'action'; member: number; minute: number; type: 'review' | 'referral' }
  | { kind: 'refund'; member: number; minute: number; order: number; percent: number; byItems: boolean }
  | { kind: 'redeem'; member: number; minute: number; reward: 'free-shipping' | 'discount-50k' }
  | { kind: 'cancel'; member: number; minute: number; redemption: number }
  | { kind: 'adjust'; member: number; minute: number; points: number }
  | { kind: 'award'; member: number; minute: number; points: number }
  | { kind: 'promote'; member: number; minute: number; reviewAfterDays: number }
  | { kind: 'expire'; minute: number }
  | { kind: 'activate'; minute: number }
  | { kind: 'review'; minute: number };

export interface Activity {
  /** Minutes after the window start each member joins. */
  joins: number[];
  ops: ActivityOp[];
}

/** A window of `days` days; minutes are offsets into it. */
export function activityArbitrary(days: number, maxMembers = 5, maxOps = 60): fc.Arbitrary<Activity> {
  const minute = fc.integer({ min: 0, max: days * 1440 - 1 });
  const member = fc.integer({ min: 0, max: maxMembers - 1 });
  const op: fc.Arbitrary<ActivityOp> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('purchase' as const),
        member,
        minute,
        amount: fc.integer({ min: 1, max: 40 }).map((n) => n * 250_000),
        partner: fc.boolean(),
        // Half the purchases list their items (the amount is then theirs).
        lines: fc.option(fc.array(fc.record({ sku: fc.nat(CATALOGUE.length - 1), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }), { nil: null }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('action' as const), member, minute, type: fc.constantFrom('review' as const, 'referral' as const) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), member, minute, order: fc.nat(20), percent: fc.integer({ min: 1, max: 100 }), byItems: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeem' as const), member, minute, reward: fc.constantFrom('free-shipping' as const, 'discount-50k' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), member, minute, redemption: fc.nat(5) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), member, minute, points: fc.integer({ min: -60, max: 200 }).filter((n) => n !== 0) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('award' as const), member, minute, points: fc.integer({ min: 1, max: 100 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('promote' as const), member, minute, reviewAfterDays: fc.integer({ min: 1, max: 10 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), minute }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('activate' as const), minute }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('review' as const), minute }) },
  );
  return fc.record({
    // Most members join early, so that monthly reviews come round inside the window.
    joins: fc.array(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: days * 360 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: days * 1440 - 1 }) }), { minLength: 2, maxLength: maxMembers }),
    ops: fc.array(op, { minLength: 20, maxLength: maxOps }),
  });
}

/** Failures a random program runs into by design: too few points, nothing left to refund. */
const EXPECTED = new Set(['redemption_fulfilled', 'insufficient_balance', 'insufficient_points', 'refund_exceeds_order', 'unknown_order', 'refund_too_large', 'order_fully_refunded']);

type OrderLine = { sku: string; category: string; unitPrice: number; quantity: number; returned: number };

/** Something that happens at a minute of the window, in time order with the rest. */
export type TimelineStep = { minute: number; run: () => Promise<unknown> };

/** Applies the activity (and `extraSteps`, e.g. campaign entries) in time order from `windowStart`; returns the member ids. */
export async function applyActivity(
  pool: Pool,
  program: ProgramDefinition,
  windowStart: Date,
  activity: Activity,
  tag: string,
  extraSteps: (members: readonly string[], joins: readonly number[]) => TimelineStep[] = () => [],
): Promise<string[]> {
  const at = (minute: number) => new Date(windowStart.getTime() + minute * 60_000);
  const members = activity.joins.map((_, i) => `${tag}-m${i}`);
  const orders = new Map<string, { orderId: string; amount: number; refunds: number; lines: OrderLine[] | null }[]>();
  const redemptions = new Map<string, string[]>();
  const steps: TimelineStep[] = activity.joins.map((minute, i) => ({
    minute,
    run: () => upsertMember(pool, members[i]!, { joinedAt: at(minute).toISOString() }, program, 'test'),
  }));
  activity.ops.forEach((op, n) => {
    const key = `${tag}-op${n}`;
    const who = 'member' in op ? op.member % members.length : -1;
    const memberId = who >= 0 ? members[who]! : '';
    // A member acts only after joining.
    const minute = who >= 0 ? Math.max(op.minute, activity.joins[who]! + 1) : op.minute;
    const when = at(minute);
    const run = async (): Promise<unknown> => {
      switch (op.kind) {
        case 'purchase': {
          const orderId = `${key}-order`;
          const lines = op.lines?.map((l): OrderLine => ({ ...CATALOGUE[l.sku]!, quantity: l.quantity, returned: 0 })) ?? null;
          const amount = lines ? lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0) : op.amount;
          const list = orders.get(memberId) ?? [];
          list.push({ orderId, amount, refunds: 0, lines });
          orders.set(memberId, list);
          const items = lines?.map((l) => ({ sku: l.sku, name: `${l.sku} name`, category: l.category, quantity: l.quantity, unitPrice: l.unitPrice }));
          return ingestEvent(pool, { memberId, type: 'purchase', amount, orderId, occurredAt: when.toISOString(), ...(items ? { items } : {}) }, { source: op.partner ? 'partner:p1' : 'api', now: when });
        }
        case 'action':
          return ingestEvent(pool, { memberId, type: op.type, idempotencyKey: key, occurredAt: when.toISOString() }, { source: 'api', now: when });
        case 'refund': {
          const list = orders.get(memberId) ?? [];
          const order = list[op.order % Math.max(list.length, 1)];
          if (!order) return undefined;
          if (op.byItems && order.lines) {
            // Some units of one line (the first with any left from the chosen one on): no discounts,
            // so they are worth units × unit price.
            const n = order.lines.length;
            const at = [...Array(n).keys()].map((k) => (op.order + k) % n).find((k) => order.lines![k]!.returned < order.lines![k]!.quantity);
            if (at === undefined) return undefined;
            const line = order.lines[at]!;
            const units = Math.max(1, Math.floor(((line.quantity - line.returned) * op.percent) / 100));
            order.refunds += 1;
            const result = await ingestEvent(
              pool,
              { memberId, type: 'refund', amount: units * line.unitPrice, orderId: order.orderId, refundId: `r${order.refunds}`, occurredAt: when.toISOString(), items: [{ sku: line.sku, quantity: units, line: at }] },
              { source: 'api', now: when },
            );
            line.returned += units;
            return result;
          }
          const amount = Math.max(1, Math.floor((order.amount * op.percent) / 100));
          order.refunds += 1;
          return ingestEvent(pool, { memberId, type: 'refund', amount, orderId: order.orderId, refundId: `r${order.refunds}`, occurredAt: when.toISOString() }, { source: 'api', now: when });
        }
        case 'redeem': {
          const result = await redeemReward(pool, { memberId, rewardId: op.reward, quantity: 1, idempotencyKey: key, actor: 'test', now: when });
          redemptions.set(memberId, [...(redemptions.get(memberId) ?? []), redemptionIdOf(memberId, key)]);
          return result;
        }
        case 'cancel': {
          const list = redemptions.get(memberId) ?? [];
          const redemptionId = list[op.redemption % Math.max(list.length, 1)];
          return redemptionId ? cancelRedemption(pool, { redemptionId, actor: 'test', reason: 'test', now: when }) : undefined;
        }
        case 'adjust':
          return adjustPoints(pool, { memberId, points: op.points, reason: 'test', idempotencyKey: key, actor: 'test', now: when });
        case 'award':
          await requestAwardNow(pool, { id: key, memberId, points: op.points, source: 'mission:m1', reason: 'test' });
          return grantAward(pool, key, when);
        case 'promote': {
          // A manual promotion one tier up (as an admin would grant), reviewed a few days later:
          // without the points for it the review starts a grace, then demotes.
          const order = program.tiers.map((t) => t.id);
          const { rows } = await pool.query<{ tier_id: string }>(`SELECT tier_id FROM members WHERE id = $1`, [memberId]);
          const from = rows[0]!.tier_id;
          const to = order[order.indexOf(from) + 1];
          if (!to) return undefined;
          await pool.query(
            `WITH m AS (UPDATE members SET tier_id = $2, tier_started_at = $4 WHERE id = $1),
                  v AS (UPDATE member_balances SET ledger_version = ledger_version + 1, grace_until = NULL, next_review_at = $4::timestamptz + make_interval(days => $6)
                        WHERE member_id = $1)
             INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, review_key) VALUES ($1, $3, $2, 'manual_promotion', $4, $5)`,
            [memberId, to, from, when, `manual:${key}`, op.reviewAfterDays],
          );
          return undefined;
        }
        case 'expire':
          return expirePoints(pool, when);
        case 'activate':
          return activatePendingPoints(pool, when);
        case 'review':
          return reviewTiers(pool, when);
      }
    };
    steps.push({ minute, run });
  });
  steps.push(...extraSteps(members, activity.joins));
  steps.sort((a, b) => a.minute - b.minute);
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      if (!(err instanceof LaurelError && EXPECTED.has(err.code))) throw err;
    }
  }
  // The win-back journeys the tier-review workflow starts for demotions, with their outcomes.
  await pool.query(
    `INSERT INTO winbacks (id, member_id, tier_change_id, from_tier, to_tier, demoted_at, status, ended_at)
     SELECT 'winback:' || id, member_id, id, from_tier, to_tier, at, (ARRAY['active', 'regained', 'lapsed'])[1 + id % 3],
            CASE WHEN id % 3 = 0 THEN NULL ELSE at + interval '9 days' END
       FROM tier_changes WHERE reason = 'review_downgrade'`,
  );
  return members;
}

/** Empties every table a report reads (program versions stay: they are history too). */
export async function resetActivity(pool: Pool): Promise<void> {
  await pool.query(
    `TRUNCATE members, member_balances, events, event_items, ledger_entries, lots, lot_allocations, order_refunds, tier_changes, tier_reviews, winbacks,
              outbox, awards, ledger_rollup, ledger_pending_rollup, ledger_rollup_day, report_member_days, idempotent_requests, messages, suppressions,
              campaigns, campaign_members, missions, mission_enrollments, contests, contest_contributions, contest_standings, offers, offer_grants, offer_uses CASCADE`,
  );
}

/** What the campaign, mission and contest journeys leave in their tables, drawn at random. */
export interface JourneyActivity {
  campaignMembers: { campaign: number; member: number; minute: number; bucket: number; status: string }[];
  unsubscribes: { member: number; minute: number }[];
  enrollments: { mission: number; member: number; minute: number; status: 'active' | 'completed' | 'expired'; completedAfter: number }[];
  contributions: { member: number; minute: number; delta: number; contest: number }[];
  prizes: { member: number; minute: number; points: number }[];
}

const MESSAGE_STATUSES = ['queued', 'held', 'sending', 'sent', 'sent', 'sent', 'failed', 'unknown', 'suppressed', 'capped', 'dead'];

export function journeyArbitrary(days: number): fc.Arbitrary<JourneyActivity> {
  const minute = fc.integer({ min: 0, max: days * 1440 - 1 });
  const member = fc.nat(7);
  return fc.record({
    campaignMembers: fc.array(fc.record({ campaign: fc.nat(3), member, minute, bucket: fc.integer({ min: 0, max: 9999 }), status: fc.constantFrom(...MESSAGE_STATUSES) }), { minLength: 4, maxLength: 24 }),
    unsubscribes: fc.array(fc.record({ member, minute }), { maxLength: 3 }),
    enrollments: fc.array(
      fc.record({ mission: fc.nat(1), member, minute, status: fc.constantFrom('active' as const, 'completed' as const, 'expired' as const), completedAfter: fc.integer({ min: 0, max: 20 * 1440 }) }),
      { maxLength: 10 },
    ),
    // Some contributions crowd into a few hours around the window's middle day (the DST / Nowruz
    // day, ±2.5 hours from its local midnight), from four members: the same member several times in
    // one slice, in one day, on both sides of a day boundary, across a DST change.
    contributions: fc.array(
      fc.record({ member: fc.nat(3), minute: fc.oneof(minute, fc.integer({ min: (days / 2) * 1440 - 150, max: (days / 2) * 1440 + 150 })), delta: fc.integer({ min: -3, max: 10 }), contest: fc.nat(1) }),
      { maxLength: 16 },
    ),
    prizes: fc.array(fc.record({ member, minute, points: fc.integer({ min: 1, max: 500 }) }), { maxLength: 3 }),
  });
}

/**
 * Writes the journeys' rows for the members: campaign entries with their first message's status
 * (30 % holdout, variants a/b), unsubscribes, mission enrollments, contest contributions, and
 * contest prizes credited through the award queue. Campaigns c0 and c3 convert on purchases
 * (within 5 and 2 days), c2 on reviews, c1 has no goal.
 */
const campaignIdsOf = (tag: string) => [`${tag}-c0`, `${tag}-c1`, `${tag}-c2`, `${tag}-c3`];

/**
 * The campaigns (c0 and c3 convert on purchases within 5 and 2 days, c2 on reviews within 10,
 * c1 has no goal), each with a coupon offer. Before the activity: entries are made during it.
 */
export async function createReportCampaigns(pool: Pool, windowStart: Date, tag: string): Promise<void> {
  const campaignIds = campaignIdsOf(tag);
  await pool.query(
    `INSERT INTO campaigns (id, name, family, definition, status, created_by) VALUES
       ($1, 'Spring', $1, '{"variants": [{"key": "a"}, {"key": "b"}], "goal": {"eventType": "purchase", "withinDays": 5}}', 'running', 'test'),
       ($2, 'Nudge', $2, '{"variants": [{"key": "a"}, {"key": "b"}]}', 'completed', 'test'),
       ($3, 'Review ask', $3, '{"variants": [{"key": "a"}, {"key": "b"}], "goal": {"eventType": "review", "withinDays": 10}}', 'running', 'test'),
       ($4, 'Winter', $4, '{"variants": [{"key": "a"}, {"key": "b"}], "goal": {"eventType": "purchase", "withinDays": 2}}', 'completed', 'test')`,
    campaignIds,
  );
  for (const campaignId of campaignIds) {
    await pool.query(
      `INSERT INTO offers (id, name, kind, definition, campaign_id, campaign_step, valid_from, code_salt, created_by) VALUES ($1, $1, 'coupon', '{}', $2, 0, $3, 'salt', 'test')`,
      [`${campaignId}-offer`, campaignId, windowStart],
    );
  }
}

/**
 * Writes one campaign entry as the campaign journey leaves it: the entry, its first message
 * (queued, then its final status), and for a third of the treated members the campaign's coupon,
 * some used, some of those uses cancelled afterwards (the funnel's offerGranted and offerUsed).
 */
async function writeCampaignEntry(pool: Pool, campaignId: string, memberId: string, e: JourneyActivity['campaignMembers'][number], enteredAt: Date): Promise<void> {
  const holdout = e.bucket < 3000;
  const variant = holdout ? null : e.bucket % 2 === 0 ? 'a' : 'b';
  await pool.query(`INSERT INTO campaign_members (campaign_id, member_id, bucket, holdout, variant, entered_at) VALUES ($1, $2, $3, $4, $5, $6)`, [campaignId, memberId, e.bucket, holdout, variant, enteredAt]);
  if (holdout) return;
  const messageId = `campaign.${campaignId}.0.${memberId}`;
  await pool.query(`INSERT INTO messages (id, channel, kind, member_id, status, category, campaign_id, created_at) VALUES ($1, 'email', 'campaign', $2, 'queued', 'marketing', $3, $4)`, [
    messageId,
    memberId,
    campaignId,
    enteredAt,
  ]);
  if (e.status !== 'queued') await pool.query(`UPDATE messages SET status = $2 WHERE id = $1`, [messageId, e.status]);
  if (e.bucket % 3 !== 0) return;
  const { rows: grant } = await pool.query<{ id: number }>(
    `INSERT INTO offer_grants (offer_id, member_id, campaign_id, variant, source, granted_at) VALUES ($1, $2, $3, $4, 'campaign', $5) RETURNING id`,
    [`${campaignId}-offer`, memberId, campaignId, variant, enteredAt],
  );
  if (e.bucket % 2 !== 0) return;
  await pool.query(`INSERT INTO offer_uses (grant_id, offer_id, member_id, campaign_id, kind, ref, at) VALUES ($1, $2, $3, $4, 'coupon', 'use', $5)`, [
    grant[0]!.id,
    `${campaignId}-offer`,
    memberId,
    campaignId,
    new Date(enteredAt.getTime() + 3_600_000),
  ]);
  if (e.bucket % 4 === 0) await pool.query(`UPDATE offer_uses SET cancelled_at = $2 WHERE grant_id = $1`, [grant[0]!.id, new Date(enteredAt.getTime() + 7_200_000)]);
}

/**
 * The campaign entries drawn at even positions, as steps in time order with the activity (after
 * their member joined): purchases and goal events come after them (the event write keeps their
 * funnel). The others are written after the activity by applyJourneyActivity (the entry finds
 * what already happened).
 */
export function campaignEntrySteps(pool: Pool, windowStart: Date, journeys: JourneyActivity, tag: string): (members: readonly string[], joins: readonly number[]) => TimelineStep[] {
  const campaignIds = campaignIdsOf(tag);
  return (members, joins) =>
    firstEntries(journeys, members.length)
      .filter((_, n) => n % 2 === 0)
      .map((e) => {
        const i = e.member % members.length;
        const minute = Math.max(e.minute, joins[i]! + 1);
        return { minute, run: () => writeCampaignEntry(pool, campaignIds[e.campaign]!, members[i]!, e, new Date(windowStart.getTime() + minute * 60_000)) };
      });
}

/** The first entry of each (campaign, member) drawn (a member enters a campaign once). */
function firstEntries(journeys: JourneyActivity, memberCount: number): JourneyActivity['campaignMembers'] {
  const seen = new Set<string>();
  return journeys.campaignMembers.filter((e) => {
    const key = `${e.campaign}/${e.member % memberCount}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** An enrollment as the missions code opens it (src/journeys/missions/store.ts): active, no progress. */
export async function openEnrollment(pool: Pool, missionId: string, memberId: string, periodKey: string, created: Date): Promise<void> {
  await pool.query(
    `INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, target, created_at)
     VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '30 days', 'event', 3, $5)`,
    [missionId, memberId, periodKey, `mission:${missionId}:${memberId}:${periodKey}`, created],
  );
}

/**
 * Writes the journeys' rows for the members: the campaign entries campaignEntrySteps left (odd
 * positions), unsubscribes (one of them taken back), mission enrollments, contest contributions,
 * and contest prizes credited through the award queue.
 */
export async function applyJourneyActivity(pool: Pool, windowStart: Date, members: readonly string[], journeys: JourneyActivity, tag: string): Promise<void> {
  const at = (minute: number) => new Date(windowStart.getTime() + minute * 60_000);
  const who = (i: number) => members[i % members.length]!;
  const campaignIds = campaignIdsOf(tag);
  for (const [n, e] of firstEntries(journeys, members.length).entries()) {
    if (n % 2 === 1) await writeCampaignEntry(pool, campaignIds[e.campaign]!, who(e.member), e, at(e.minute));
  }
  for (const [i, u] of journeys.unsubscribes.entries()) {
    await pool.query(`INSERT INTO suppressions (channel, address, scope, reason, member_id, created_at) VALUES ('email', $1, 'marketing', 'unsubscribed', $2, $3) ON CONFLICT DO NOTHING`, [
      `${tag}-${i}@example.com`,
      who(u.member),
      at(u.minute),
    ]);
  }
  // A resubscribe: the second unsubscribe goes away again (its member's funnels no longer count it).
  if (journeys.unsubscribes.length > 1) await pool.query(`DELETE FROM suppressions WHERE address = $1`, [`${tag}-1@example.com`]);
  const missionIds = [`${tag}-mi0`, `${tag}-mi1`];
  for (const id of missionIds) await pool.query(`INSERT INTO missions (id, name, definition, created_by) VALUES ($1, $1, '{}', 'test')`, [id]);
  // Enrollments written as the missions code writes them (opened active, progress, then completed or
  // expired by an UPDATE), every third one in one multi-row INSERT with its final status (an
  // import), expiries in one multi-row UPDATE, one created_at moved back across slices, and one
  // enrollment inserted and deleted again: the rollup's triggers (0062) see every kind of statement.
  const bulk: { missionId: string; memberId: string; key: string; created: Date; status: string; completed: Date | null }[] = [];
  const expiring: string[] = [];
  for (const [i, e] of journeys.enrollments.entries()) {
    const missionId = missionIds[e.mission]!;
    const created = at(e.minute);
    const completed = e.status === 'completed' ? new Date(created.getTime() + e.completedAfter * 60_000) : null;
    const workflowId = `mission:${missionId}:${who(e.member)}:p${i}`;
    if (i % 3 === 2) {
      bulk.push({ missionId, memberId: who(e.member), key: `p${i}`, created, status: e.status, completed });
    } else {
      await openEnrollment(pool, missionId, who(e.member), `p${i}`, created);
      await pool.query(`UPDATE mission_enrollments SET progress = 1 WHERE workflow_id = $1 AND status = 'active'`, [workflowId]);
      if (completed) await pool.query(`UPDATE mission_enrollments SET status = 'completed', progress = 3, completed_at = coalesce(completed_at, $2) WHERE workflow_id = $1`, [workflowId, completed]);
      if (e.status === 'expired') expiring.push(workflowId);
    }
    if (completed) {
      await requestAwardNow(pool, { id: workflowId, memberId: who(e.member), points: 20, source: `mission:${missionId}`, reason: 'test' });
      await grantAward(pool, workflowId, completed);
    }
  }
  if (bulk.length > 0) {
    await pool.query(
      `INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, status, target, completed_at, created_at)
       SELECT m, w, k, 'mission:' || m || ':' || w || ':' || k, c, c + interval '30 days', 'event', s, 3, d, c
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[]) AS x(m, w, k, c, s, d)`,
      [bulk.map((b) => b.missionId), bulk.map((b) => b.memberId), bulk.map((b) => b.key), bulk.map((b) => b.created), bulk.map((b) => b.status), bulk.map((b) => b.completed)],
    );
  }
  await pool.query(
    `UPDATE mission_enrollments SET status = CASE WHEN status = 'active' THEN 'expired' ELSE status END, closed_at = coalesce(closed_at, created_at + interval '30 days')
      WHERE workflow_id = ANY($1::text[])`,
    [expiring],
  );
  if (journeys.enrollments.length > 0) {
    const e = journeys.enrollments[0]!;
    await pool.query(`UPDATE mission_enrollments SET created_at = created_at - interval '20 minutes', progress = progress + 1 WHERE workflow_id = $1`, [
      `mission:${missionIds[e.mission]!}:${who(e.member)}:p0`,
    ]);
    await openEnrollment(pool, missionIds[e.mission]!, who(e.member), 'gone', at(e.minute));
    await pool.query(`DELETE FROM mission_enrollments WHERE period_key = 'gone'`);
  }
  // Two contests: a member's contributions in one and across both are different chains.
  const contestId = `${tag}-k0`;
  const contestOf = (c: { contest: number }) => `${tag}-k${c.contest}`;
  for (const id of [contestId, `${tag}-k1`]) {
    await pool.query(`INSERT INTO contests (id, name, definition, starts_at, ends_at, status, created_by) VALUES ($1, 'Cup', '{"prizeBudget": 1000}', $2, $3, 'closed', 'test')`, [
      id,
      at(0),
      at(20 * 1440),
    ]);
  }
  // The first half one row at a time, then every row again in one statement as a retry would
  // (ON CONFLICT DO NOTHING): the running totals (contest_member_totals) must add each row once.
  const half = Math.ceil(journeys.contributions.length / 2);
  for (const [i, c] of journeys.contributions.slice(0, half).entries()) {
    await pool.query(`INSERT INTO contest_contributions (contest_id, event_id, member_id, delta, at) VALUES ($1, $2, $3, $4, $5)`, [contestOf(c), `e${i}`, who(c.member), c.delta, at(c.minute)]);
  }
  await pool.query(
    `INSERT INTO contest_contributions (contest_id, event_id, member_id, delta, at)
     SELECT k, 'e' || (i - 1), m, d, t FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) WITH ORDINALITY AS x(k, m, d, t, i)
     ON CONFLICT DO NOTHING`,
    [journeys.contributions.map(contestOf), journeys.contributions.map((c) => who(c.member)), journeys.contributions.map((c) => c.delta), journeys.contributions.map((c) => at(c.minute))],
  );
  for (const [i, p] of journeys.prizes.entries()) {
    const id = `contest:${contestId}:rank:${i + 1}`;
    await pool.query(`INSERT INTO contest_standings (contest_id, rank, member_id, score, reached_at, prize_name, prize_points) VALUES ($1, $2, $3, 1, $4, 'prize', $5) ON CONFLICT DO NOTHING`, [
      contestId,
      i + 1,
      who(p.member),
      at(p.minute),
      p.points,
    ]);
    await requestAwardNow(pool, { id, memberId: who(p.member), points: p.points, source: `contest:${contestId}`, reason: 'test' });
    await grantAward(pool, id, at(p.minute));
  }
}
