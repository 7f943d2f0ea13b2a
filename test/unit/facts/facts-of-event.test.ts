import { describe, expect, it } from 'vitest';
import { factsOfEvent } from '../../../src/facts/index.js';
import type { EventResult } from '../../../src/ledger/index.js';

const base = {
  id: 'evt_1',
  member_id: 'sara',
  type: 'purchase',
  occurred_at: new Date('2026-11-20T08:00:00Z'),
  recorded_at: '2026-11-20T08:00:01.123456Z',
};
const result = (points: number, pending: number, tier: { from: string; to: string; changed: boolean }) =>
  ({ points: { total: points, base: points, bonus: 0, pending, qualifying: points }, tier, balance: { available: 10, pending } }) as unknown as EventResult;

describe('facts an ingested event announces', () => {
  it('points earned (pending or not) and an upgrade, stamped with the event row time to the microsecond, ids from the event', () => {
    const facts = factsOfEvent({ ...base, result: result(50, 50, { from: 'bronze', to: 'silver', changed: true }) }, { points: true, tier: true });
    expect(facts.map((f) => [f.type, f.id, f.lane, f.recordedAt])).toEqual([
      ['points.earned', 'points.earned.evt_1', 'member:sara', '2026-11-20T08:00:01.123456Z'],
      ['tier.changed', 'tier.changed.evt_1', 'member:sara', '2026-11-20T08:00:01.123456Z'],
    ]);
    expect(facts[0]!.data).toEqual({ memberId: 'sara', points: 50, pending: true, eventId: 'evt_1', source: 'purchase', balance: { available: 10, pending: 50 } });
    expect(facts[1]!.data).toMatchObject({ fromTier: 'bronze', toTier: 'silver', direction: 'up' });
  });

  it('nothing for zero or negative points, no change, or types nobody wants', () => {
    expect(factsOfEvent({ ...base, result: result(0, 0, { from: 'bronze', to: 'bronze', changed: false }) }, { points: true, tier: true })).toEqual([]);
    expect(factsOfEvent({ ...base, result: result(-20, 0, { from: 'bronze', to: 'bronze', changed: false }) }, { points: true, tier: true })).toEqual([]);
    expect(factsOfEvent({ ...base, result: result(50, 0, { from: 'bronze', to: 'silver', changed: true }) }, { points: false, tier: false })).toEqual([]);
  });
});
