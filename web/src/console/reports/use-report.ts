import type { ApiClient } from '../../shared/api/client.js';
import { useLoad, type Load } from '../../shared/api/use-api.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';
import { reportQuery, type ReportRange } from './report-range.js';

/** GET /v1/reports/<name> over the range (JSON), reloaded when the range or the language changes. */
export function useReport<T>(name: string, range: ReportRange, extra: Record<string, string> = {}): Load<T> {
  const { api } = useConsole();
  const { locale } = useI18n();
  const query = { ...reportQuery(range, locale), ...extra };
  return useLoad((signal) => api.get<T>(`/v1/reports/${name}`, query, { signal }), [name, JSON.stringify(query)]);
}

/**
 * Fetches a report's CSV table with the key in the Authorization header (a plain link would need
 * the key in the URL) and hands it to the browser as a download.
 */
export async function downloadReportCsv(api: ApiClient, name: string, query: Record<string, string>, table?: string): Promise<void> {
  const text = await api.get<string>(`/v1/reports/${name}`, { ...query, format: 'csv', ...(table ? { table } : {}) }, { as: 'text' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = `${name}${table ? `-${table}` : ''}_${query.from}_${query.to}_${query.interval}.csv`;
  a.click();
  URL.revokeObjectURL(a.href);
}
