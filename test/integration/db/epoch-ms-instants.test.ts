import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../../src/db/index.js';
import { epochMsArray, instantFromEpochMs, timestampArray } from '../../../src/db/array-literal.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

/**
 * The ledger write sends its instants as epoch milliseconds and PostgreSQL rebuilds them
 * (`instantFromEpochMs`): every instant must land exactly where its ISO text would have, from
 * year 1 to 9999 (an ISO date's span), before 1970 and at millisecond edges included.
 */
describe('instants sent as epoch milliseconds', () => {
  let env: TestEnv;
  let pool: Pool;

  beforeAll(async () => {
    env = await createTestEnv();
    pool = createPool(env.urls.databaseUrl, 2);
  });
  afterAll(async () => {
    await pool?.end();
    await env?.cleanup();
  });

  const year1 = (() => {
    const d = new Date(0);
    d.setUTCFullYear(1, 0, 1);
    return d.getTime();
  })();
  const year10000 = Date.UTC(10000, 0, 1);

  async function mismatches(dates: readonly (Date | null)[]): Promise<{ i: number; text: string; fromMs: string }[]> {
    const { rows } = await pool.query<{ i: number; text: string; fromMs: string }>(
      `SELECT i::int, a::text AS text, b::text AS "fromMs"
         FROM (SELECT x.i, x.a, ${instantFromEpochMs('x.m')} AS b FROM unnest($1::timestamptz[], $2::bigint[]) WITH ORDINALITY AS x(a, m, i)) y
        WHERE a IS DISTINCT FROM b`,
      [timestampArray(dates), epochMsArray(dates)],
    );
    return rows;
  }

  it('edges: year 1 and 9999, the epoch, before 1970, whole and fractional seconds, null', async () => {
    const edges = [
      year1,
      year1 + 1,
      year10000 - 1,
      Date.UTC(9999, 5, 15, 12, 30, 45, 678),
      Date.UTC(4300, 0, 1, 0, 0, 0, 1),
      0,
      -1,
      -999,
      -1000,
      -1001,
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(2026, 11, 8, 0, 0, 0, 500),
    ].map((t) => new Date(t));
    expect(await mismatches([...edges, null])).toEqual([]);
  });

  it('any instant of years 1–9999 comes back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: year1, max: year10000 - 1 }), { minLength: 1, maxLength: 200 }), async (times) => {
        expect(await mismatches(times.map((t) => new Date(t)))).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('an invalid Date is refused before anything is sent', () => {
    expect(() => epochMsArray([new Date(Number.NaN)])).toThrow(RangeError);
    expect(epochMsArray([new Date(1_500), null, new Date(-2)])).toBe('{1500,NULL,-2}');
  });
});
