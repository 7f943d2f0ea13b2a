/**
 * The reports the console offers on its Reports page and their CSV tables (the first is the
 * default), as GET /v1/reports/<name> serves them. web/test/unit/report-catalogue.test.ts checks
 * this list against the API's registry (src/reports/registry.ts) both ways: a report the API
 * offers that is missing here fails, and so does a table renamed there.
 */
export const REPORT_CATALOGUE = [
  { name: 'points', tables: ['intervals', 'sources'] },
  { name: 'members', tables: ['intervals'] },
  { name: 'tiers', tables: ['intervals', 'matrix', 'changes'] },
  { name: 'sales', tables: ['intervals', 'tiers', 'partners', 'sellers'] },
  { name: 'campaigns', tables: ['variants', 'intervals'] },
  { name: 'missions', tables: ['intervals', 'missions'] },
  { name: 'contests', tables: ['contests', 'intervals'] },
  { name: 'referrals', tables: ['intervals', 'referrers'] },
] as const satisfies readonly { name: string; tables: readonly string[] }[];

export type ReportName = (typeof REPORT_CATALOGUE)[number]['name'];
