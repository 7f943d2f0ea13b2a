import type { MembersReport } from '../../shared/api/types.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { ReportRange } from '../reports/report-range.js';
import { tierColor } from '../reports/tier-colors.js';
import { useReport } from '../reports/use-report.js';
import { BarChart } from './BarChart.js';
import { Kpi } from './Kpi.js';

/** GET /v1/reports/members: members by tier at each interval's end (stacked), new and active members. */
export function MembersByTierCard(props: { range: ReportRange }) {
  const { t, fmt } = useI18n();
  const report = useReport<MembersReport>('members', props.range);
  const data = report.data;
  // Tiers in the order the report lists them (the program's order), across every interval.
  const tiers = data ? [...new Set([...data.totals.closing.byTier, ...data.intervals.flatMap((i) => i.closing.byTier)].map((c) => c.tier))] : [];
  const count = (byTier: { tier: string; count: number }[], tier: string) => byTier.find((c) => c.tier === tier)?.count ?? 0;
  return (
    <section class="card" aria-labelledby="members-h">
      <h2 id="members-h">{t('reports.membersByTier')}</h2>
      <ProblemNotice error={report.error} onRetry={report.reload} />
      {data ? (
        <>
          <div class="kpis">
            <Kpi value={data.totals.closing.total} label={t('reports.members.total')} testId="members-total" />
            <Kpi value={data.totals.new} label={t('reports.members.new')} />
            <Kpi value={data.totals.active} label={t('reports.members.active')} />
            {data.totals.closing.byTier.map((c) => (
              <Kpi key={c.tier} value={c.count} label={fmt.tierName({ id: c.tier })} />
            ))}
          </div>
          <BarChart
            label={t('reports.membersByTier')}
            testId="members-chart"
            stacked
            labels={data.intervals.map((i) => fmt.intervalLabel(i.firstDay, data.interval))}
            series={tiers.map((tier, rank) => ({ label: fmt.tierName({ id: tier }), values: data.intervals.map((i) => count(i.closing.byTier, tier)), color: tierColor(rank) }))}
          />
        </>
      ) : null}
    </section>
  );
}
