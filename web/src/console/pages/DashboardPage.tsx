import type { CampaignView, MessageCounts, WinbackReportView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { Link } from '../components/Link.js';
import { MembersByTierCard } from '../components/MembersByTierCard.js';
import { PointsReportCard } from '../components/PointsReportCard.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { TierMovementCard } from '../components/TierMovementCard.js';
import { TopCampaignsCard } from '../components/TopCampaignsCard.js';
import { ReportRangePicker } from '../reports/ReportRangePicker.js';
import { useReportRange } from '../reports/use-report-range.js';
import { useConsole } from '../session.js';

const STATUSES = ['sent', 'queued', 'held', 'capped', 'suppressed', 'failed', 'dead'] as const;

/**
 * The program at a glance over a date range (the reports API): points issued, redeemed and
 * expired with the liability, members by tier, tier movement, top campaigns; then live message
 * counts, recent campaigns and the win-back rate.
 */
export function DashboardPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const { range, setRange, timeZone, error: programError, reload: reloadProgram } = useReportRange();
  const stats = useLoad((signal) => api.get<MessageCounts>('/v1/messages/stats', undefined, { signal }), [], { refreshMs: 30_000 });
  const campaigns = useLoad((signal) => api.get<{ items: CampaignView[] }>('/v1/campaigns', undefined, { signal }), []);
  const winback = useLoad((signal) => api.get<WinbackReportView>('/v1/reports/winback', { limit: 1 }, { signal }), []);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.dashboard')}</h1>
      </div>
      <ProblemNotice error={programError} onRetry={reloadProgram} />
      {range ? (
        <>
          <ReportRangePicker range={range} onChange={setRange} timeZone={timeZone} />
          <PointsReportCard range={range} />
          <div class="grid-2">
            <MembersByTierCard range={range} />
            <TierMovementCard range={range} />
          </div>
          <TopCampaignsCard range={range} />
        </>
      ) : null}
      <section class="card" aria-labelledby="msg-h">
        <h2 id="msg-h">{t('dashboard.messages')}</h2>
        <ProblemNotice error={stats.error} />
        {stats.data ? (
          <div class="kpis">
            {STATUSES.map((s) => (
              <div class="kpi" key={s}>
                <div class="value">{fmt.number(stats.data![s])}</div>
                <div class="label">{term('status', s)}</div>
              </div>
            ))}
          </div>
        ) : null}
      </section>
      <section class="card" aria-labelledby="camp-h">
        <h2 id="camp-h">{t('dashboard.campaigns')}</h2>
        <ProblemNotice error={campaigns.error} />
        <ul class="list">
          {(campaigns.data?.items ?? []).slice(0, 8).map((c) => (
            <li key={c.id} class="row">
              <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
              <StatusBadge status={c.status} />
              <span class="muted small">{fmt.dateTime(c.launchedAt ?? c.createdAt)}</span>
            </li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="wb-h">
        <h2 id="wb-h">{t('dashboard.winback')}</h2>
        <ProblemNotice error={winback.error} />
        {winback.data ? (
          <p>
            {t('dashboard.winback.rate', {
              rate: winback.data.totals.regainRate === null ? '—' : fmt.percent(winback.data.totals.regained, winback.data.totals.regained + winback.data.totals.lapsed),
              regained: fmt.number(winback.data.totals.regained),
              finished: fmt.number(winback.data.totals.regained + winback.data.totals.lapsed),
            })}
          </p>
        ) : null}
      </section>
    </>
  );
}
