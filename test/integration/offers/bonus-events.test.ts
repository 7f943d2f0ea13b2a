import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';

const DAY = 86_400_000;

describe('bonus-rule offers in the event path: holders only, own limits, budget exact under concurrency', () => {
  let env: TestEnv;
  let api: Api;
  let marketer: string;
  let ingest: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    ingest = await apiKey(env, 'ingest');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  async function offer(id: string, body: Record<string, unknown>, holders: string[]) {
    const put = await api.call('PUT', `/v1/offers/${id}`, marketer, { kind: 'bonus_rule', name: id, validFrom: new Date(Date.now() - DAY).toISOString(), ...body });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    if (holders.length > 0) expect((await api.call('POST', `/v1/offers/${id}/issue`, marketer, { memberIds: holders })).body).toMatchObject({ granted: holders.length });
  }

  const buy = (memberId: string, orderId: string, amount = 1_000_000, extra: Record<string, unknown> = {}) =>
    api.call('POST', '/v1/events', ingest, { memberId, type: 'purchase', amount, orderId, ...extra });

  it('the budget over all holders is exact when they buy at once: never a point beyond it, every event answered', async () => {
    const holders = Array.from({ length: 30 }, (_, i) => `bud-${String(i).padStart(2, '0')}`);
    await seedMembers(env.ctx.pool, holders.map((id) => ({ id })));
    await offer('budget-100', { rule: { trigger: 'purchase', effect: { type: 'fixed', points: 100 }, pendingDays: 0 }, budgetPoints: 1050 }, holders);
    const answers = await Promise.all(holders.map((m) => buy(m, `o-${m}`)));
    expect(answers.map((a) => a.status)).toEqual(holders.map(() => 201));
    const bonuses = answers.map((a) => ((a.body.offers as { points: number }[] | undefined) ?? []).reduce((s, o) => s + o.points, 0));
    expect(bonuses.reduce((s, b) => s + b, 0)).toBe(1050);
    expect(bonuses.filter((b) => b === 100)).toHaveLength(10);
    expect(bonuses.filter((b) => b === 50)).toHaveLength(1);
    const { rows } = await env.ctx.pool.query(`SELECT points_given FROM offers WHERE id = 'budget-100'`);
    expect(rows[0]).toEqual({ points_given: 1050 });
    const entries = await env.ctx.pool.query(`SELECT coalesce(sum(amount), 0)::int AS points, count(*)::int AS n FROM ledger_entries WHERE offer_id = 'budget-100'`);
    expect(entries.rows[0]).toEqual({ points: 1050, n: 11 });
    const skipped = answers.flatMap((a) => (a.body.offers as { status: string; reason?: string }[]).filter((o) => o.status === 'skipped'));
    expect(skipped.every((o) => o.reason === 'budget_exhausted')).toBe(true);
    expect(await checkLedgerInvariant(env.ctx.pool, holders)).toEqual([]);
  });

  it('uses per holder and points per holder; a member without the grant never gets it; dry runs show it and write nothing', async () => {
    await seedMembers(env.ctx.pool, [{ id: 'lim-a' }, { id: 'lim-b' }]);
    await offer('twice', { rule: { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } }, usesPerMember: 2 }, ['lim-a']);
    await offer('capped', { rule: { trigger: 'review', effect: { type: 'fixed', points: 40 } }, maxPointsPerMember: 100 }, ['lim-a']);
    const dry = await api.call('POST', '/v1/events?dryRun=true', ingest, { memberId: 'lim-a', type: 'purchase', amount: 1_000_000, orderId: 'dry' });
    expect(dry.body).toMatchObject({ dryRun: true, points: { total: 200 }, offers: [{ offerId: 'twice', status: 'applied', points: 100 }] });
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM offer_uses WHERE offer_id = 'twice'`)).rows[0]).toEqual({ n: 0 });
    const totals = [];
    for (const o of ['p1', 'p2', 'p3']) totals.push((await buy('lim-a', o)).body.points);
    expect(totals.map((t) => (t as { total: number }).total)).toEqual([200, 200, 100]);
    expect((await buy('lim-b', 'p1')).body).toMatchObject({ points: { total: 100 } });
    expect((await buy('lim-b', 'p2')).body).not.toHaveProperty('offers');
    const reviews = [];
    for (const k of ['r1', 'r2', 'r3']) reviews.push((await api.call('POST', '/v1/events', ingest, { memberId: 'lim-a', type: 'review', idempotencyKey: k })).body);
    expect(reviews.map((r) => (r.offers as { points: number }[])[0]!.points)).toEqual([40, 40, 20]);
    const held = (await api.call('GET', '/v1/members/lim-a/offers?status=all', marketer)).body.items as { offerId: string; status: string; usesLeft: number | null; pointsLeft: number | null }[];
    expect(held.find((h) => h.offerId === 'twice')).toMatchObject({ status: 'used', usesLeft: 0 });
    expect(held.find((h) => h.offerId === 'capped')).toMatchObject({ status: 'used', pointsLeft: 0 });
    expect(await checkLedgerInvariant(env.ctx.pool, ['lim-a', 'lim-b'])).toEqual([]);
  });

  it('a per_item offer counts the units of the purchase lines; a refund of some items takes back exactly their share of it', async () => {
    await seedMembers(env.ctx.pool, [{ id: 'item-a' }]);
    await offer('coffee-40', { rule: { trigger: 'purchase', effect: { type: 'per_item', points: 40, match: { categories: ['coffee'] } }, pendingDays: 0 } }, ['item-a']);
    const items = [
      { sku: 'cof-1', name: 'Espresso beans', category: 'coffee', quantity: 2, unitPrice: 300_000 },
      { sku: 'mug-1', category: 'home', quantity: 1, unitPrice: 400_000 },
    ];
    const bought = await buy('item-a', 'i-1', 1_000_000, { items });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body.offers).toEqual([{ offerId: 'coffee-40', status: 'applied', points: 80 }]);
    // The purchase rule's 100 by money (60 + 40), the offer's 80 on the coffee alone.
    const lines = bought.body.items as { sku: string; points: number; byRule: unknown[]; lots: Record<string, number> }[];
    expect(lines.map((l) => [l.sku, l.points])).toEqual([
      ['cof-1', 140],
      ['mug-1', 40],
    ]);
    const offerLot = `${String(bought.body.eventId)}:offer:coffee-40`;
    expect(lines[0]!.byRule).toContainEqual({ ruleId: 'offer:coffee-40', factorPercent: 100, base: 80, bonus: 0 });
    expect(lines[0]!.lots[offerLot]).toBe(80);
    expect(lines[1]!.lots).not.toHaveProperty(offerLot);
    // One coffee back: half of the coffee line, 40 of them the offer's; the mug keeps its points.
    const refund = await api.call('POST', '/v1/events', ingest, { memberId: 'item-a', type: 'refund', orderId: 'i-1', refundId: 'i-1-r1', amount: 300_000, items: [{ sku: 'cof-1', quantity: 1 }] });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body.items).toMatchObject([{ sku: 'cof-1', quantity: 1, points: -70 }]);
    expect((refund.body.items as { lots: Record<string, number> }[])[0]!.lots[offerLot]).toBe(-40);
    const stored = await env.ctx.pool.query(`SELECT line, points::int FROM event_items WHERE event_id = $1 ORDER BY line`, [bought.body.eventId]);
    expect(stored.rows).toEqual([
      { line: 0, points: 140 },
      { line: 1, points: 40 },
    ]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['item-a'])).toEqual([]);
  });

  it('a refund takes the bonus back with the rest of the order; a batch earns what the same events earn one by one', async () => {
    await seedMembers(env.ctx.pool, [{ id: 'ref-a' }, { id: 'bat-a' }, { id: 'seq-a' }]);
    await offer('double-all', { rule: { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } } }, ['ref-a', 'bat-a', 'seq-a']);
    const bought = await buy('ref-a', 'r-1', 2_000_000);
    expect(bought.body).toMatchObject({ points: { total: 400, pending: 400 } });
    const refund = await api.call('POST', '/v1/events', ingest, { memberId: 'ref-a', type: 'refund', amount: 1_000_000, orderId: 'r-1', refundId: 'x' });
    expect(refund.body).toMatchObject({ refund: { cancelledPending: 200 }, balance: { pending: 200 } });
    const events = Array.from({ length: 4 }, (_, i) => ({ type: 'purchase', amount: 1_000_000 + i * 300_000, orderId: `b-${i}` }));
    const batch = await api.call('POST', '/v1/events/batch', ingest, { events: events.map((e) => ({ ...e, memberId: 'bat-a' })) });
    expect(batch.status).toBe(200);
    for (const e of events) await buy('seq-a', e.orderId, e.amount);
    const sums = await env.ctx.pool.query(`SELECT member_id, sum(amount)::int AS points, count(*) FILTER (WHERE offer_id IS NOT NULL)::int AS bonus FROM ledger_entries WHERE member_id IN ('bat-a', 'seq-a') GROUP BY member_id ORDER BY member_id`);
    expect(sums.rows).toEqual([
      { member_id: 'bat-a', points: 1160, bonus: 4 },
      { member_id: 'seq-a', points: 1160, bonus: 4 },
    ]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['ref-a', 'bat-a', 'seq-a'])).toEqual([]);
  });
  it('property: a member outside the audience never gets a bonus, whatever events it sends (types, properties naming the offer, batches)', async () => {
    await seedMembers(env.ctx.pool, [{ id: 'aud-in' }, { id: 'aud-out' }]);
    // An offer on every trigger the program knows, held only by aud-in.
    for (const trigger of ['purchase', 'login', 'review', 'referral']) {
      await offer(`every-${trigger}`, { rule: { trigger, effect: { type: 'fixed', points: 7 } } }, ['aud-in']);
    }
    let n = 0;
    const event = fc.record({
      type: fc.constantFrom('purchase', 'login', 'review', 'referral'),
      amount: fc.integer({ min: 1, max: 9_000_000 }),
      props: fc.constantFrom({}, { offerId: 'every-purchase' }, { campaignId: 'any', offer: 'every-login' }, { category: 'shoes' }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 6 }), fc.boolean(), async (events, asBatch) => {
        const bodies = events.map((e) => {
          n += 1;
          return { memberId: 'aud-out', type: e.type, idempotencyKey: `out-${n}`, properties: e.props, ...(e.type === 'purchase' ? { amount: e.amount, orderId: `out-${n}` } : {}) };
        });
        const answers = asBatch
          ? ((await api.call('POST', '/v1/events/batch', ingest, { events: bodies })).body.results as Record<string, unknown>[])
          : await Promise.all(bodies.map(async (b) => (await api.call('POST', '/v1/events', ingest, b)).body));
        for (const a of answers) {
          expect(a.offers ?? []).toEqual([]);
          expect((a.entries as { component: string }[]).some((e) => e.component === 'offer')).toBe(false);
        }
      }),
      { numRuns: 12 },
    );
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE member_id = 'aud-out' AND (offer_id IS NOT NULL OR rule_id LIKE 'offer:%')`)).rows[0]).toEqual({ n: 0 });
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM offer_uses WHERE member_id = 'aud-out'`)).rows[0]).toEqual({ n: 0 });
    // The holder, for contrast, gets each.
    expect((await api.call('POST', '/v1/events', ingest, { memberId: 'aud-in', type: 'login', idempotencyKey: 'in-1' })).body.offers).toEqual([{ offerId: 'every-login', status: 'applied', points: 7 }]);
  });
});
