import type { CampaignsReport } from '../../shared/api/types.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { ReportRange } from '../reports/report-range.js';
import { useReport } from '../reports/use-report.js';
import { BarChart } from './BarChart.js';
import { Link } from './Link.js';

const TOP = 5;

/** GET /v1/reports/campaigns: the campaigns with the most conversions (then sends) in the range. */
export function TopCampaignsCard(props: { range: ReportRange }) {
  const { t, fmt } = useI18n();
  const report = useReport<CampaignsReport>('campaigns', props.range);
  const top = [...(report.data?.campaigns ?? [])]
    .sort((a, b) => b.totals.converted - a.totals.converted || b.totals.sent - a.totals.sent || a.name.localeCompare(b.name))
    .slice(0, TOP);
  return (
    <section class="card" aria-labelledby="top-h">
      <h2 id="top-h">{t('reports.topCampaigns')}</h2>
      <ProblemNotice error={report.error} onRetry={report.reload} />
      {report.data && top.length === 0 ? <p class="muted">{t('reports.none')}</p> : null}
      {top.length ? (
        <>
          <BarChart
            label={t('reports.topCampaigns')}
            testId="campaigns-chart"
            horizontal
            height={60 + top.length * 44}
            labels={top.map((c) => c.name)}
            series={[
              { label: t('campaigns.stat.audience'), values: top.map((c) => c.totals.audience), color: '#9bbfa8' },
              { label: t('campaigns.stat.sent'), values: top.map((c) => c.totals.sent), color: '#1f6f43' },
              { label: t('campaigns.stat.converted'), values: top.map((c) => c.totals.converted), color: '#8a6100' },
            ]}
          />
          <ul class="list">
            {top.map((c) => (
              <li key={c.campaignId} class="row" data-testid="top-campaign">
                <Link to={`/campaigns/${c.campaignId}`}>{c.name}</Link>
                <span class="muted small">
                  {t('reports.campaigns.line', {
                    sent: fmt.number(c.totals.sent),
                    rate: c.totals.conversionRate.denominator > 0 ? fmt.percent(c.totals.conversionRate.numerator, c.totals.conversionRate.denominator) : '—',
                    revenue: fmt.number(c.totals.revenue),
                  })}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
