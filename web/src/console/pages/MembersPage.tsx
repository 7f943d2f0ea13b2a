import { useState } from 'preact/hooks';
import type { MemberView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { Link } from '../components/Link.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

/** Search by e-mail, phone or id prefix (GET /v1/members?q=), keyset paging. */
export function MembersPage() {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [after, setAfter] = useState<string | undefined>(undefined);
  const page = useLoad((signal) => api.get<{ items: MemberView[]; nextAfter: string | null }>('/v1/members', { q: query, limit: 50, after }, { signal }), [query, after]);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.members')}</h1>
      </div>
      <form
        class="card row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setAfter(undefined);
          setQuery(q.trim());
        }}
      >
        <div class="field" style={{ flex: 1 }}>
          <label for="member-q">{t('members.search')}</label>
          <input id="member-q" type="search" dir="ltr" style={{ width: '100%' }} value={q} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} aria-describedby="member-q-hint" />
          <span id="member-q-hint" class="hint">
            {t('members.search.hint')}
          </span>
        </div>
        <button type="submit" class="button">
          {t('members.search.submit')}
        </button>
      </form>
      <ProblemNotice error={page.error} onRetry={page.reload} />
      {page.loading && !page.data ? <Loading /> : null}
      {page.data ? (
        <ListTable
          columns={[t('common.id'), t('common.email'), t('common.phone'), t('common.tier'), t('common.locale'), t('common.created')]}
          items={page.data.items}
          empty={t('members.none')}
          onMore={page.data.nextAfter ? () => setAfter(page.data!.nextAfter!) : undefined}
          row={(m) => (
            <tr key={m.id} data-testid="member-row">
              <td>
                <Link to={`/members/${encodeURIComponent(m.id)}`}>{m.id}</Link>
              </td>
              <td dir="ltr">{m.email ?? '—'}</td>
              <td dir="ltr">{m.phone ?? '—'}</td>
              <td>{m.tierId}</td>
              <td>{m.locale}</td>
              <td>{fmt.date(m.createdAt)}</td>
            </tr>
          )}
        />
      ) : null}
    </>
  );
}
