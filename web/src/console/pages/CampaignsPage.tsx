import type { CampaignView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { Link } from '../components/Link.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

export function CampaignsPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const list = useLoad((signal) => api.get<{ items: CampaignView[] }>('/v1/campaigns', undefined, { signal }), []);
  return (
    <>
      <div class="page-head">
        <h1>{t('campaigns.list')}</h1>
        <Link to="/campaigns/new" class="button">
          {t('campaigns.new')}
        </Link>
      </div>
      <ProblemNotice error={list.error} onRetry={list.reload} />
      {!list.data && !list.error ? <Loading /> : null}
      {list.data ? (
        <ListTable
          columns={[t('common.name'), t('common.status'), t('campaigns.channel'), t('common.created')]}
          items={list.data.items}
          row={(c) => (
            <tr key={c.id}>
              <td>
                <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
              </td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>{term('channel', c.definition.channel)}</td>
              <td>{fmt.dateTime(c.createdAt)}</td>
            </tr>
          )}
        />
      ) : null}
    </>
  );
}
