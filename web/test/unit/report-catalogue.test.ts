import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPORTS } from '../../../src/reports/registry.js';
import { toCsv } from '../../../src/reports/csv.js';
import { REPORT_CATALOGUE } from '../../src/console/reports/report-catalogue.js';
import { parseCsv } from '../../src/console/reports/parse-csv.js';

describe('console report catalogue', () => {
  it('names reports and CSV tables the API serves, default table first', () => {
    for (const entry of REPORT_CATALOGUE) {
      const report = REPORTS.get(entry.name);
      expect(report, entry.name).toBeDefined();
      expect(Object.keys(report!.tables), entry.name).toEqual([...entry.tables]);
    }
  });

  it('offers every report the API registry serves (a new report missing from the page fails here)', () => {
    expect(REPORT_CATALOGUE.map((r) => r.name as string).sort()).toEqual([...REPORTS.keys()].sort());
  });
});

describe('parseCsv', () => {
  it('reads back what the reports API writes', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'ب', ',', '"', '\n', '\r', ' ', '=', '1') });
    fc.assert(
      fc.property(fc.array(fc.record({ a: text, b: fc.integer(), c: text }), { minLength: 1, maxLength: 8 }), (rows) => {
        const parsed = parseCsv(toCsv(rows));
        expect(parsed[0]).toEqual(['a', 'b', 'c']);
        // The API prefixes formula-like text with a quote (spreadsheet safety); the rest is verbatim.
        const safe = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
        const expected = rows.map((r) => [safe(r.a), String(r.b), safe(r.c)]);
        expect(parsed.slice(1)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
