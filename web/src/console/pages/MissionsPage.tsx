import { useState } from 'preact/hooks';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { Json } from '../../shared/api/types.js';
import type { MissionDefinition } from '../../../../src/journeys/missions/definition.js';
import { MissionCreateForm } from '../components/MissionCreateForm.js';
import { useConsole } from '../session.js';

type Mission = { id: string; name: string; status: string; createdAt: string; definition: Json<MissionDefinition> };

export function MissionsPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const list = useLoad((signal) => api.get<{ missions: Mission[] }>('/v1/missions', undefined, { signal }), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.missions')}</h1>
        <button type="button" class="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          {t('missions.new')}
        </button>
      </div>
      {creating ? (
        <MissionCreateForm
          onCreated={(id) => {
            setCreating(false);
            setCreated(id);
            list.reload();
          }}
        />
      ) : null}
      {created ? (
        <p class="notice-ok" role="status">
          {t('missions.created', { id: created })}
        </p>
      ) : null}
      <ProblemNotice error={list.error} onRetry={list.reload} />
      <section class="card">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col" class="num">
                {t('common.points')}
              </th>
              <th scope="col">{t('common.created')}</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.missions ?? []).map((m) => (
              <tr key={m.id}>
                <td>
                  {m.name} <code class="small">{m.id}</code>
                </td>
                <td>{term('status', m.status)}</td>
                <td class="num">{fmt.number(m.definition.rewardPoints)}</td>
                <td>{fmt.date(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
