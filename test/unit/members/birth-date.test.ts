import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemberInputSchema } from '../../../src/members/schema.js';

/** A birth date has no zone: "today" is the latest date anywhere, not the UTC date. */
describe('member birth date', () => {
  afterEach(() => void vi.useRealTimers());
  const accepts = (birthDate: string) => MemberInputSchema.safeParse({ birthDate }).success;

  it('takes a baby born today in Tehran while UTC is still on yesterday, and nothing later than the latest today', () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T21:00:00Z'), toFake: ['Date'] }); // 00:30 on 8 December in Tehran
    expect(accepts('2026-12-08')).toBe(true);
    expect(accepts('2026-12-09')).toBe(false); // not yet 9 December anywhere (Kiritimati: 11:00 on the 8th)
    expect(accepts('1900-01-01')).toBe(true);
    expect(accepts('1899-12-31')).toBe(false);
  });
});
