import type { MissionItem } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';
import { MissionRow } from './MissionRow.js';

export function MissionsView() {
  const { api, memberId } = useSession();
  const { t } = useI18n();
  const missions = useLoad((signal) => api.get<{ missions: MissionItem[] }>(`/v1/members/${encodeURIComponent(memberId)}/missions`, undefined, { signal }), [memberId]);
  const join = useAction((missionId: string) => api.post(`/v1/missions/${encodeURIComponent(missionId)}/enrollments`, { memberId }).then(() => missions.reload()));
  if (missions.error) return <ProblemNotice error={missions.error} onRetry={missions.reload} />;
  if (!missions.data) return <Loading />;
  return (
    <section class="card" aria-labelledby="missions-h">
      <h1 id="missions-h">{t('widget.tab.missions')}</h1>
      <ProblemNotice error={join.error} />
      {missions.data.missions.length === 0 ? <p class="muted">{t('state.empty')}</p> : null}
      <ul class="list">
        {missions.data.missions.map((m) => (
          <MissionRow key={m.id} mission={m} busy={join.busy} onJoin={() => void join.run(m.id)} />
        ))}
      </ul>
    </section>
  );
}
