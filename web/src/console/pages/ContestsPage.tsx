import { useState } from 'preact/hooks';
import type { LeaderboardRow } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { ContestCreateForm } from '../components/ContestCreateForm.js';
import { CreatableHead } from '../components/CreatableHead.js';
import { useConsole } from '../session.js';

type Contest = { id: string; name: string; status: string; startsAt: string; endsAt: string; participants: number | null };

/** Contests with a live leaderboard (refreshed every 5 s while open; final standings after the freeze) and a form for a new one. */
export function ContestsPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const list = useLoad((signal) => api.get<{ contests: Contest[] }>('/v1/contests', undefined, { signal }), []);
  const [selected, setSelected] = useState<string | null>(null);
  const board = useLoad(
    (signal) => (selected ? api.get<{ final: boolean; entries: (LeaderboardRow & { prizeName?: string | null })[] }>(`/v1/contests/${encodeURIComponent(selected)}/leaderboard`, { limit: 20 }, { signal }) : Promise.resolve(null)),
    [selected],
    { refreshMs: 5000 },
  );
  return (
    <>
      <CreatableHead
        title={t('nav.contests')}
        newLabel={t('contests.new')}
        createdMessage={(id) => t('contests.created', { id })}
        form={(onCreated) => <ContestCreateForm onCreated={onCreated} />}
        onCreated={(id) => {
          setSelected(id);
          list.reload();
        }}
      />
      <ProblemNotice error={list.error} onRetry={list.reload} />
      <section class="card">
        <ul class="list">
          {(list.data?.contests ?? []).map((c) => (
            <li key={c.id} class="item-head">
              <span>
                {c.name} · <span class="badge neutral">{term('status', c.status)}</span> · {fmt.dateTime(c.startsAt)} – {fmt.dateTime(c.endsAt)}
              </span>
              <button type="button" class="button link" onClick={() => setSelected(c.id)}>
                {t('common.open')}
              </button>
            </li>
          ))}
        </ul>
      </section>
      {selected ? (
        <section class="card" aria-live="polite">
          <h2>{selected}</h2>
          <ProblemNotice error={board.error} />
          <table>
            <thead>
              <tr>
                <th scope="col" class="num">
                  #
                </th>
                <th scope="col">{t('common.id')}</th>
                <th scope="col" class="num">
                  {t('common.points')}
                </th>
              </tr>
            </thead>
            <tbody>
              {(board.data?.entries ?? []).map((e) => (
                <tr key={e.memberId}>
                  <td class="num">{fmt.number(e.rank)}</td>
                  <td>
                    <bdi>{e.memberId}</bdi>
                  </td>
                  <td class="num">{fmt.number(e.score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}
