import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarArray, textArray, timestampArray, timestampText } from '../../../src/db/array-literal.js';

const require = createRequire(import.meta.url);
// node-postgres' own encoder: the literals the ledger write sent before must be the ones it sends now.
const { prepareValue } = require('pg/lib/utils.js') as { prepareValue: (v: unknown) => string };

describe('PostgreSQL array literals for the ledger write', () => {
  it('text arrays are exactly what node-postgres writes (quotes, backslashes, commas, braces, NULL, unicode)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.oneof(fc.string(), fc.constantFrom('NULL', '', '"', '\\', '{a,b}', 'a"b\\c', 'é,ñ 🎉')), { nil: null })), (values) => {
        expect(textArray(values)).toBe(prepareValue(values));
      }),
      { numRuns: 500 },
    );
  });

  it('numbers and booleans go unquoted, null as NULL; non-finite numbers are refused', () => {
    expect(scalarArray([1, -2, 0, null, 9_007_199_254_740_991])).toBe('{1,-2,0,NULL,9007199254740991}');
    expect(scalarArray([true, false, null])).toBe('{t,f,NULL}');
    expect(scalarArray([])).toBe('{}');
    expect(() => scalarArray([Number.NaN])).toThrow(RangeError);
    expect(() => scalarArray([Infinity])).toThrow(RangeError);
  });

  it('instants go as UTC ISO text in years 1–9999, and in PostgreSQL notation outside them', () => {
    expect(timestampArray([new Date('2026-12-07T18:40:01.234Z'), null])).toBe('{"2026-12-07T18:40:01.234Z",NULL}');
    const year1 = new Date(0);
    year1.setUTCFullYear(1, 0, 1);
    expect(timestampText(year1)).toBe('0001-01-01T00:00:00.000Z');
    expect(timestampText(new Date(year1.getTime() - 1))).toBe('0001-12-31 23:59:59.999+00 BC');
    expect(timestampText(new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)))).toBe('9999-12-31T23:59:59.999Z');
    expect(timestampText(new Date(Date.UTC(10000, 0, 1)))).toBe('10000-01-01T00:00:00.000Z');
    expect(() => timestampText(new Date(Number.NaN))).toThrow(RangeError);
  });
});
