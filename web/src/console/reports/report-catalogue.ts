/**
 * The reports the console offers on its Reports page and their CSV tables (the first is the
 * default), as GET /v1/reports/<name> serves them. web/test/unit/report-catalogue.test.ts checks
 * this list against the API's registry (src/reports/registry.ts), so a table renamed there fails.
 */
export const REPORT_CATALOGUE = [
  { name: 'points', tables: ['intervals', 'sources'] },
  { name: 'members', tables: ['intervals'] },
  { name: 'tiers', tables: ['intervals', 'matrix', 'changes'] },
  { name: 'campaigns', tables: ['variants', 'intervals'] },
  { name: 'missions', tables: ['intervals', 'missions'] },
  { name: 'contests', tables: ['contests', 'intervals'] },
] as const satisfies readonly { name: string; tables: readonly string[] }[];

export type ReportName = (typeof REPORT_CATALOGUE)[number]['name'];
