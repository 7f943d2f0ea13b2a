import type { InboxMessage } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';

export function InboxView() {
  const { api, memberId } = useSession();
  const { t, fmt } = useI18n();
  const base = `/v1/members/${encodeURIComponent(memberId)}/inbox`;
  const inbox = useLoad((signal) => api.get<{ items: InboxMessage[]; unread: number }>(base, { limit: 50 }, { signal }), [base]);
  const read = useAction((id: string) => api.post(`${base}/${encodeURIComponent(id)}/read`).then(() => inbox.reload()));
  if (inbox.error) return <ProblemNotice error={inbox.error} onRetry={inbox.reload} />;
  if (!inbox.data) return <Loading />;
  return (
    <section class="card" aria-labelledby="inbox-h">
      <div class="item-head">
        <h1 id="inbox-h">{t('widget.tab.inbox')}</h1>
        {inbox.data.unread > 0 ? <span class="badge">{t('widget.inbox.unread', { n: fmt.number(inbox.data.unread) })}</span> : null}
      </div>
      <ProblemNotice error={read.error} />
      {inbox.data.items.length === 0 ? <p class="muted">{t('widget.inbox.none')}</p> : null}
      <ul class="list">
        {inbox.data.items.map((m) => (
          <li key={m.id} data-testid="inbox-item">
            <div class="item-head">
              <span class={m.readAt ? '' : 'unread'}>{m.title}</span>
              <span class="small muted">{fmt.date(m.createdAt)}</span>
            </div>
            <p class="small" style={{ whiteSpace: 'pre-line' }}>
              {m.body}
            </p>
            {!m.readAt ? (
              <button type="button" class="button link" disabled={read.busy} onClick={() => void read.run(m.id)}>
                {t('widget.inbox.markRead')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
