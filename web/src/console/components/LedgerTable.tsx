import { useEffect, useState } from 'preact/hooks';
import type { LedgerPage } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/** The member's ledger, newest first, keyset paging (GET /v1/members/:id/ledger?before=). */
export function LedgerTable(props: { memberId: string; refreshKey: unknown }) {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const [before, setBefore] = useState<number | undefined>(undefined);
  const [rows, setRows] = useState<LedgerPage['entries']>([]);
  const page = useLoad((signal) => api.get<LedgerPage>(`/v1/members/${encodeURIComponent(props.memberId)}/ledger`, { limit: 25, before }, { signal }), [props.memberId, before, props.refreshKey]);
  useEffect(() => {
    if (page.data) setRows((r) => (before === undefined ? page.data!.entries : [...r, ...page.data!.entries]));
  }, [page.data]);
  return (
    <section class="card" aria-labelledby="ledger-h">
      <h2 id="ledger-h">{t('member.ledger')}</h2>
      <ProblemNotice error={page.error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('member.ledger.at')}</th>
              <th scope="col">{t('member.ledger.kind')}</th>
              <th scope="col" class="num">
                {t('member.ledger.amount')}
              </th>
              <th scope="col">{t('member.ledger.source')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.seq} data-testid="ledger-row">
                <td>{fmt.dateTime(e.at)}</td>
                <td>
                  {term('kind', e.kind)}
                  {e.pending ? ' ⏳' : ''}
                </td>
                <td class="num" dir="ltr">
                  {fmt.number(e.amount)}
                </td>
                <td>
                  <bdi>{e.reason ?? e.source}</bdi>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data?.next ? (
        <button type="button" class="button secondary" onClick={() => setBefore(page.data!.next!)}>
          {t('action.more')}
        </button>
      ) : null}
    </section>
  );
}
