import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { Json } from '../../shared/api/types.js';
import type { MissionDefinition } from '../../../../src/journeys/missions/definition.js';
import { MissionCreateForm } from '../components/MissionCreateForm.js';
import { CreatableHead } from '../components/CreatableHead.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

type Mission = { id: string; name: string; status: string; createdAt: string; definition: Json<MissionDefinition> };

export function MissionsPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const list = useLoad((signal) => api.get<{ missions: Mission[] }>('/v1/missions', undefined, { signal }), []);
  return (
    <>
      <CreatableHead
        title={t('nav.missions')}
        newLabel={t('missions.new')}
        createdMessage={(id) => t('missions.created', { id })}
        form={(onCreated) => <MissionCreateForm onCreated={onCreated} />}
        onCreated={() => list.reload()}
      />
      <ProblemNotice error={list.error} onRetry={list.reload} />
      <ListTable
        columns={[t('common.name'), t('common.status'), { label: t('common.points'), numeric: true }, t('common.created')]}
        items={list.data?.missions}
        row={(m) => (
          <tr key={m.id}>
            <td>
              {m.name} <code class="small">{m.id}</code>
            </td>
            <td>{term('status', m.status)}</td>
            <td class="num">{fmt.number(m.definition.rewardPoints)}</td>
            <td>{fmt.date(m.createdAt)}</td>
          </tr>
        )}
      />
    </>
  );
}
