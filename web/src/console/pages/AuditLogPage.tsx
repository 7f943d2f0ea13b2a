import { useState } from 'preact/hooks';
import type { AuditEntry } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

/** The append-only audit log (admins), newest first, filtered by subject or action family. */
export function AuditLogPage() {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const [subject, setSubject] = useState('');
  const [applied, setApplied] = useState('');
  const log = useLoad((signal) => api.get<{ items: AuditEntry[]; nextBefore: number | null }>('/v1/audit-log', { limit: 50, subject: applied || undefined }, { signal }), [applied]);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.audit')}</h1>
      </div>
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(subject.trim());
        }}
      >
        <div class="field">
          <label for="audit-subject">{t('audit.subject')}</label>
          <input id="audit-subject" dir="ltr" placeholder="member:sara, member:*" value={subject} onInput={(e) => setSubject((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button secondary">
          {t('members.search.submit')}
        </button>
      </form>
      <ProblemNotice error={log.error} onRetry={log.reload} />
      <ListTable
        columns={[t('member.ledger.at'), t('audit.actor'), t('audit.action'), t('audit.subject')]}
        items={log.data?.items}
        row={(e) => (
          <tr key={e.id}>
            <td>{fmt.dateTime(e.at)}</td>
            <td>
              <code>{e.actor}</code>
            </td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              <code>{e.subject}</code>
            </td>
          </tr>
        )}
      />
    </>
  );
}
