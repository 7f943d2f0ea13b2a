import type { CampaignView, MessageCounts, WinbackReportView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { Link } from '../components/Link.js';
import { PointsReportCard } from '../components/PointsReportCard.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useConsole } from '../session.js';

const STATUSES = ['sent', 'queued', 'held', 'capped', 'suppressed', 'failed', 'dead'] as const;

/** What the program is doing now, from the APIs that exist today (reports add charts when they land). */
export function DashboardPage() {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const stats = useLoad((signal) => api.get<MessageCounts>('/v1/messages/stats', undefined, { signal }), [], { refreshMs: 30_000 });
  const campaigns = useLoad((signal) => api.get<{ items: CampaignView[] }>('/v1/campaigns', undefined, { signal }), []);
  const winback = useLoad((signal) => api.get<WinbackReportView>('/v1/reports/winback', { limit: 1 }, { signal }), []);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.dashboard')}</h1>
      </div>
      <PointsReportCard />
      <section class="card" aria-labelledby="msg-h">
        <h2 id="msg-h">{t('dashboard.messages')}</h2>
        <ProblemNotice error={stats.error} />
        {stats.data ? (
          <div class="kpis">
            {STATUSES.map((s) => (
              <div class="kpi" key={s}>
                <div class="value">{fmt.number(stats.data![s])}</div>
                <div class="label">{s}</div>
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
