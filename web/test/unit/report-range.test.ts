import { describe, expect, it } from 'vitest';
import { defaultReportRange } from '../../src/console/reports/report-range.js';

/**
 * The console's default report range is the program's last 30 local days. It once took the UTC
 * date, so from local midnight in Tehran (20:30 UTC) until UTC midnight it ended yesterday and the
 * dashboard showed none of the day's points.
 */
describe('default report range', () => {
  it('ends on the program zone day, not the UTC day, on both sides of local midnight', () => {
    expect(defaultReportRange('Asia/Tehran', new Date('2026-12-07T20:29:59Z'))).toEqual({ from: '2026-11-08', to: '2026-12-07', interval: 'day' });
    expect(defaultReportRange('Asia/Tehran', new Date('2026-12-07T20:30:00Z'))).toEqual({ from: '2026-11-09', to: '2026-12-08', interval: 'day' });
    expect(defaultReportRange('America/Los_Angeles', new Date('2026-12-08T03:00:00Z'))).toMatchObject({ to: '2026-12-07' });
    expect(defaultReportRange('UTC', new Date('2026-12-07T23:59:59Z'))).toMatchObject({ to: '2026-12-07' });
  });

  it('spans 30 calendar days across a DST change and a month end', () => {
    // Los Angeles leaves DST on 2026-11-01: the range still counts whole calendar days.
    expect(defaultReportRange('America/Los_Angeles', new Date('2026-11-15T12:00:00Z'))).toEqual({ from: '2026-10-17', to: '2026-11-15', interval: 'day' });
    expect(defaultReportRange('Pacific/Kiritimati', new Date('2026-12-31T10:00:00Z'))).toEqual({ from: '2026-12-03', to: '2027-01-01', interval: 'day' });
  });
});
