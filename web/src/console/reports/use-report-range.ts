import { useState } from 'preact/hooks';
import type { ProgramView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { useConsole } from '../session.js';
import { defaultReportRange, type ReportRange } from './report-range.js';

/**
 * A page's report range: the marketer's choice, else the last 30 days of the program's time zone,
 * so `range` is undefined until the program (and with it the zone) has loaded.
 */
export function useReportRange() {
  const { api } = useConsole();
  const program = useLoad((signal) => api.get<ProgramView>('/v1/program', undefined, { signal }), []);
  const [chosen, setRange] = useState<ReportRange | undefined>(undefined);
  const timeZone = program.data?.definition.timeZone;
  const range = chosen ?? (timeZone ? defaultReportRange(timeZone) : undefined);
  return { range, setRange, timeZone, error: program.error, reload: program.reload };
}
