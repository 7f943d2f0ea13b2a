import type { WinbackReportView } from '../../shared/api/types.js';
import { withQuery } from '../../shared/api/client.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { ReportTableCard } from '../components/ReportTableCard.js';
import { REPORT_CATALOGUE } from '../reports/report-catalogue.js';
import { ReportRangePicker } from '../reports/ReportRangePicker.js';
import { useReportRange } from '../reports/use-report-range.js';
import { useConsole } from '../session.js';

/**
 * Every report of the reports API over one date range, each with its CSV tables to open here or
 * download; then the win-back outcomes by review date.
 */
export function ReportsPage() {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const { range, setRange, timeZone, error: programError, reload: reloadProgram } = useReportRange();
  const report = useLoad((signal) => api.get<WinbackReportView>(withQuery('/v1/reports/winback', { limit: 50 }), undefined, { signal }), []);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.reports')}</h1>
      </div>
      <ProblemNotice error={programError} onRetry={reloadProgram} />
      {range ? (
        <>
          <ReportRangePicker range={range} onChange={setRange} timeZone={timeZone} />
          {REPORT_CATALOGUE.map((r) => (
            <ReportTableCard key={r.name} name={r.name} tables={r.tables} range={range} />
          ))}
        </>
      ) : null}
      <ProblemNotice error={report.error} onRetry={report.reload} />
      <section class="card" aria-labelledby="wb-h">
        <h2 id="wb-h">{t('dashboard.winback')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.from')}</th>
              <th scope="col" class="num">
                {t('common.total')}
              </th>
              <th scope="col" class="num">
                {t('winback.active')}
              </th>
              <th scope="col" class="num">
                {t('winback.regained')}
              </th>
              <th scope="col" class="num">
                {t('winback.lapsed')}
              </th>
            </tr>
          </thead>
          <tbody>
            {(report.data?.byReviewDate ?? []).map((r) => (
              <tr key={r.reviewDate}>
                <td>{fmt.day(r.reviewDate)}</td>
                <td class="num">{fmt.number(r.total)}</td>
                <td class="num">{fmt.number(r.active)}</td>
                <td class="num">{fmt.number(r.regained)}</td>
                <td class="num">{fmt.number(r.lapsed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
