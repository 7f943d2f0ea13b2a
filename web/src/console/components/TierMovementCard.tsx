import type { TiersReport } from '../../shared/api/types.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { ReportRange } from '../reports/report-range.js';
import { useReport } from '../reports/use-report.js';
import { BarChart } from './BarChart.js';
import { Kpi } from './Kpi.js';

/**
 * GET /v1/reports/tiers: promotions and demotions per interval (at reviews and between them as
 * points are earned), the review movement matrix, graces and the win-back regain rate.
 */
export function TierMovementCard(props: { range: ReportRange }) {
  const { t, fmt } = useI18n();
  const report = useReport<TiersReport>('tiers', props.range);
  const data = report.data;
  const tier = (id: string) => fmt.tierName({ id });
  const regain = data?.totals.winback.regainRate;
  return (
    <section class="card" aria-labelledby="tiers-h">
      <h2 id="tiers-h">{t('reports.tierMovement')}</h2>
      <ProblemNotice error={report.error} onRetry={report.reload} />
      {data ? (
        <>
          <div class="kpis">
            <Kpi value={data.totals.betweenReviews.upgrades + data.totals.movement.up} label={t('reports.tiers.up')} testId="tiers-up" />
            <Kpi value={data.totals.betweenReviews.downgrades + data.totals.movement.down} label={t('reports.tiers.down')} />
            <Kpi value={data.totals.reviews} label={t('reports.tiers.reviews')} />
            <Kpi value={data.totals.gracesStarted} label={t('reports.tiers.graces')} />
            <Kpi value={regain && regain.denominator > 0 ? fmt.percent(regain.numerator, regain.denominator) : '—'} label={t('reports.tiers.regain')} />
          </div>
          <BarChart
            label={t('reports.tierMovement')}
            testId="tiers-chart"
            labels={data.intervals.map((i) => fmt.intervalLabel(i.firstDay, data.interval))}
            series={[
              { label: t('reports.tiers.upgrades'), values: data.intervals.map((i) => i.betweenReviews.upgrades), color: '#1f6f43' },
              { label: t('reports.tiers.reviewUp'), values: data.intervals.map((i) => i.movement.up), color: '#9bbfa8' },
              { label: t('reports.tiers.reviewDown'), values: data.intervals.map((i) => i.movement.down), color: '#a4262c' },
              { label: t('reports.tiers.downgrades'), values: data.intervals.map((i) => i.betweenReviews.downgrades), color: '#d88a8d' },
            ]}
          />
          {data.totals.matrix.length ? (
            <div class="table-wrap">
              <table data-testid="tier-matrix">
                <caption class="small muted">{t('reports.tiers.matrix')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('common.from')}</th>
                    <th scope="col">{t('common.to')}</th>
                    <th scope="col" class="num">
                      {t('common.total')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.totals.matrix.map((m) => (
                    <tr key={`${m.from}-${m.to}`}>
                      <td>{tier(m.from)}</td>
                      <td>{tier(m.to)}</td>
                      <td class="num">{fmt.number(m.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
