import type { MemberDraw } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';
import { MemberDrawCard } from './MemberDrawCard.js';

export function DrawsView() {
  const { api, memberId } = useSession();
  const { t } = useI18n();
  const draws = useLoad((signal) => api.get<{ items: MemberDraw[] }>(`/v1/members/${encodeURIComponent(memberId)}/draws`, undefined, { signal }), [memberId]);
  if (draws.error) return <ProblemNotice error={draws.error} onRetry={draws.reload} />;
  if (!draws.data) return <Loading />;
  return (
    <section class="card" aria-labelledby="draws-h">
      <h1 id="draws-h">{t('widget.tab.draws')}</h1>
      {draws.data.items.length === 0 ? <p class="muted">{t('widget.draws.none')}</p> : null}
      <ul class="list">
        {draws.data.items.map((d) => (
          <MemberDrawCard key={d.id} draw={d} />
        ))}
      </ul>
    </section>
  );
}
