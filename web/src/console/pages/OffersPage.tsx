import type { OfferView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { Link } from '../components/Link.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

/** Offers with their campaign and grant/use counts (GET /v1/offers). */
export function OffersPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const list = useLoad((signal) => api.get<{ items: OfferView[] }>('/v1/offers', { status: 'all' }, { signal }), []);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.offers')}</h1>
      </div>
      <ProblemNotice error={list.error} onRetry={list.reload} />
      <ListTable
        columns={[t('common.name'), t('offers.kind'), t('offers.campaign'), t('common.status'), { label: t('offers.counts'), numeric: true }]}
        items={list.data?.items}
        row={(o) => (
          <tr key={o.id} data-testid="offer-row">
            <td>
              {o.name} <code class="small">{o.id}</code>
            </td>
            <td>{term('kind', o.kind)}</td>
            <td>{o.definition.campaign ? <Link to={`/campaigns/${o.definition.campaign.id}`}>{o.definition.campaign.id}</Link> : '—'}</td>
            <td>{term('status', o.status)}</td>
            <td class="num">
              {fmt.number(o.counts?.grants ?? 0)} / {fmt.number(o.counts?.uses ?? 0)}
            </td>
          </tr>
        )}
      />
    </>
  );
}
