import type { PointsReport } from '../../shared/api/types.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { ReportRange } from '../reports/report-range.js';
import { useReport } from '../reports/use-report.js';
import { BarChart } from './BarChart.js';
import { Kpi } from './Kpi.js';

/**
 * GET /v1/reports/points over the range: issued, redeemed and expired per interval (the Persian
 * calendar's weeks and months when the console is in fa) and the outstanding liability at the end.
 */
export function PointsReportCard(props: { range: ReportRange }) {
  const { t, fmt } = useI18n();
  const report = useReport<PointsReport>('points', props.range);
  const data = report.data;
  return (
    <section class="card" aria-labelledby="points-h">
      <h2 id="points-h">{t('reports.points')}</h2>
      <ProblemNotice error={report.error} onRetry={report.reload} />
      {data ? (
        <>
          <p class="small muted">{t('reports.zone', { zone: data.timeZone, versions: data.programVersions.map((v) => v.version).join(', ') })}</p>
          <div class="kpis">
            <Kpi value={data.totals.issued.total} label={t('reports.issued')} />
            <Kpi value={data.totals.deducted.redeemed} label={t('reports.redeemed')} />
            <Kpi value={data.totals.deducted.expired} label={t('reports.expired')} />
            <Kpi value={data.totals.closing.available} label={t('reports.liability')} testId="liability" />
          </div>
          <BarChart
            label={t('reports.points')}
            testId="points-chart"
            labels={data.intervals.map((i) => fmt.intervalLabel(i.firstDay, data.interval))}
            series={[
              { label: t('reports.issued'), values: data.intervals.map((i) => i.issued.total), color: '#1f6f43' },
              { label: t('reports.redeemed'), values: data.intervals.map((i) => i.deducted.redeemed), color: '#8a6100' },
              { label: t('reports.expired'), values: data.intervals.map((i) => i.deducted.expired), color: '#a4262c' },
            ]}
          />
        </>
      ) : null}
    </section>
  );
}
