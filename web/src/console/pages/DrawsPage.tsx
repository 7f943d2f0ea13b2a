import { useState } from 'preact/hooks';
import type { PublicDraw } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { DrawCreateForm } from '../components/DrawCreateForm.js';
import { CreatableHead } from '../components/CreatableHead.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

/** Draws with their public page; a new draw's rules; admins close the entry window early and reveal the operator secret. */
export function DrawsPage() {
  const { api, isAdmin } = useConsole();
  const { t, fmt, term } = useI18n();
  const list = useLoad((signal) => api.get<{ items: PublicDraw[] }>('/v1/draws', undefined, { signal }), [], { refreshMs: 10_000 });
  const [secret, setSecret] = useState<Record<string, string>>({});
  const act = useAction((id: string, action: 'close' | 'reveal') =>
    api.post(`/v1/draws/${encodeURIComponent(id)}/${action}`, action === 'reveal' ? { secret: secret[id] ?? '' } : {}).then(() => list.reload()),
  );
  return (
    <>
      <CreatableHead
        title={t('nav.draws')}
        newLabel={t('draws.new')}
        createdMessage={(id) => t('draws.created', { id })}
        form={(onCreated) => <DrawCreateForm onCreated={onCreated} />}
        onCreated={() => list.reload()}
      />
      <ProblemNotice error={list.error ?? act.error} onRetry={list.reload} />
      <ListTable
        columns={[t('common.name'), t('common.status'), t('common.to'), t('common.actions')]}
        items={list.data?.items}
        row={(d) => (
          <tr key={d.id}>
            <td>
              <a href={`/draws/${encodeURIComponent(d.id)}`}>{d.name}</a>
            </td>
            <td>
              <span class="badge neutral">{term('status', d.status)}</span>
            </td>
            <td>{fmt.dateTime(d.entryEndsAt)}</td>
            <td class="row">
              {isAdmin && d.status === 'open' ? (
                <button type="button" class="button secondary" disabled={act.busy} onClick={() => void act.run(d.id, 'close')}>
                  {t('action.close')}
                </button>
              ) : null}
              {isAdmin && d.status === 'frozen' && d.rules.randomness.secretCommitment ? (
                <>
                  <label class="sr-only" for={`secret-${d.id}`}>
                    {t('draws.secret')}
                  </label>
                  <input id={`secret-${d.id}`} dir="ltr" placeholder={t('draws.secretPlaceholder')} value={secret[d.id] ?? ''} onInput={(e) => setSecret({ ...secret, [d.id]: (e.currentTarget as HTMLInputElement).value })} />
                  <button type="button" class="button secondary" disabled={act.busy} onClick={() => void act.run(d.id, 'reveal')}>
                    {t('draws.reveal')}
                  </button>
                </>
              ) : null}
            </td>
          </tr>
        )}
      />
    </>
  );
}
