import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupByReviewWindow, reviewTier, reviewTiersOf, reviewWindowOf, type TierReviewSubject } from '../../../src/tiers/index.js';
import type { ActivitySummary } from '../../../src/tiers/index.js';
import { exampleProgram } from '../rules/helpers.js';

// The sweep decides a page of members in one call with shared memos (review dates, windows):
// it must decide exactly what reviewing each member alone decides.
const programs = [exampleProgram('reference'), exampleProgram('hotel')];
const DAY = 86_400_000;
const base = Date.parse('2024-01-01T00:00:00Z');

/** Instants drawn from a few shared ones (as a real page has) and arbitrary ones. */
const instant = (span: number) =>
  fc.oneof(
    fc.constantFrom(0, 1, 2, 40, 365).map((d) => new Date(base + d * DAY - 3.5 * 3_600_000)),
    fc.integer({ min: 0, max: span }).map((ms) => new Date(base + ms)),
  );

function pages(tierIds: readonly string[]) {
  return fc.array(
    fc.record({
      tierId: fc.constantFrom(...tierIds),
      manualTierId: fc.option(fc.constantFrom(...tierIds), { nil: null }),
      tierStartedAt: instant(400 * DAY).map((d) => new Date(d.getTime() - 800 * DAY)),
      joinedAt: instant(400 * DAY).map((d) => new Date(d.getTime() - 900 * DAY)),
      nextReviewAt: instant(400 * DAY),
      graceDelta: fc.option(fc.integer({ min: -40, max: 40 }), { nil: null }),
      qualifyingPoints: fc.integer({ min: 0, max: 20_000 }),
    }),
    { maxLength: 40 },
  );
}

describe('reviewing a page at once', () => {
  for (const program of programs) {
    it(`decides and groups each member as reviewing it alone does (${program.id})`, () => {
      fc.assert(
        fc.property(pages(program.tiers.map((t) => t.id)), (rows) => {
          const members: TierReviewSubject[] = rows.map((r, i) => ({
            id: `m${i}`,
            tierId: r.tierId,
            manualTierId: r.manualTierId,
            tierStartedAt: r.tierStartedAt,
            joinedAt: r.joinedAt,
            nextReviewAt: r.nextReviewAt,
            graceUntil: r.graceDelta === null ? null : new Date(r.nextReviewAt.getTime() + r.graceDelta * DAY),
          }));
          const summaries = new Map<string, ActivitySummary>(
            rows.map((r, i) => [`m${i}`, { qualifyingPoints: r.qualifyingPoints, spend: r.qualifyingPoints * 100, transactionCount: 3, balance: 10 }]),
          );
          const decisions = reviewTiersOf(program, members, summaries);
          members.forEach((m, i) => {
            expect(decisions[i]).toEqual(reviewTier({ program, member: m, summary: summaries.get(m.id)!, now: m.nextReviewAt }));
          });
          const groups = groupByReviewWindow(program, members);
          expect(groups.flatMap((g) => g.ids).sort()).toEqual(members.map((m) => m.id).sort());
          for (const group of groups) {
            for (const id of group.ids) expect(reviewWindowOf(program, members.find((m) => m.id === id)!)).toEqual(group.window);
          }
          // One group per distinct window.
          expect(new Set(groups.map((g) => `${g.window.start.getTime()}/${g.window.end.getTime()}`)).size).toBe(groups.length);
        }),
        { numRuns: 150 },
      );
    });
  }
});
