import { useState } from 'preact/hooks';
import type { ReferralListPage } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { Link } from '../components/Link.js';
import { TextField } from '../components/TextField.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

export const REFERRAL_STATUSES = ['pending', 'qualified', 'rewarded', 'rejected', 'expired'] as const;
export const REFERRAL_REJECT_REASONS = ['self_referral', 'referee_existed', 'purchase_refunded', 'referrer_monthly_cap', 'member_erased'] as const;

interface Filter {
  status: string;
  rejectReason: string;
  referrerId: string;
  refereeId: string;
}

/** Badge tone by status: rejected is bad news, expired is over, pending and qualified still wait. */
const TONE: Record<string, string> = { rejected: 'danger', expired: 'neutral', pending: 'warn', qualified: 'warn' };

const NO_FILTER: Filter = { status: '', rejectReason: '', referrerId: '', refereeId: '' };

/**
 * Every referral attempt (GET /v1/referrals), newest first: who referred whom, where it stands,
 * why it was rejected, the qualifying order, the reward and its reversal. Filters combine; keyset
 * paging. The totals per interval are the referrals report on the Reports page.
 */
export function ReferralsPage() {
  const { api } = useConsole();
  const { t, term, fmt } = useI18n();
  const [draft, setDraft] = useState<Filter>(NO_FILTER);
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [before, setBefore] = useState<string | undefined>(undefined);
  const page = useLoad(
    (signal) =>
      api.get<ReferralListPage>(
        '/v1/referrals',
        {
          limit: 50,
          status: filter.status || undefined,
          rejectReason: filter.status === 'rejected' ? filter.rejectReason || undefined : undefined,
          referrerId: filter.referrerId || undefined,
          refereeId: filter.refereeId || undefined,
          before,
        },
        { signal },
      ),
    [filter, before],
  );
  const set = (field: 'status' | 'rejectReason') => (e: Event) => setDraft({ ...draft, [field]: (e.currentTarget as HTMLSelectElement).value });
  const member = (id: string) => (
    <Link to={`/members/${encodeURIComponent(id)}`}>
      <bdi class="id">{id}</bdi>
    </Link>
  );
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.referrals')}</h1>
      </div>
      <form
        class="card row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setBefore(undefined);
          setFilter({ ...draft, referrerId: draft.referrerId.trim(), refereeId: draft.refereeId.trim() });
        }}
      >
        <div class="field">
          <label for="ref-status">{t('referrals.status')}</label>
          <select id="ref-status" value={draft.status} onChange={set('status')}>
            <option value="">{t('referrals.any')}</option>
            {REFERRAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {term('status', s)}
              </option>
            ))}
          </select>
        </div>
        {draft.status === 'rejected' ? (
          <div class="field">
            <label for="ref-reason">{t('referrals.reason')}</label>
            <select id="ref-reason" value={draft.rejectReason} onChange={set('rejectReason')}>
              <option value="">{t('referrals.any')}</option>
              {REFERRAL_REJECT_REASONS.map((r) => (
                <option key={r} value={r}>
                  {term('reason', r)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <TextField id="ref-referrer" label={t('referrals.referrer')} dir="ltr" value={draft.referrerId} onValue={(v) => setDraft({ ...draft, referrerId: v })} />
        <TextField id="ref-referee" label={t('referrals.referee')} dir="ltr" value={draft.refereeId} onValue={(v) => setDraft({ ...draft, refereeId: v })} />
        <button type="submit" class="button secondary">
          {t('referrals.filter')}
        </button>
      </form>
      <ProblemNotice error={page.error} onRetry={page.reload} />
      {page.loading && !page.data ? <Loading /> : null}
      {page.data ? (
        <ListTable
          columns={[t('common.created'), t('referrals.referrer'), t('referrals.referee'), t('referrals.status'), t('referrals.order'), t('referrals.rewarded'), t('referrals.reversed')]}
          items={page.data.items}
          empty={t('referrals.none')}
          onMore={page.data.nextBefore ? () => setBefore(page.data!.nextBefore!) : undefined}
          row={(r) => (
            <tr key={`${r.referrerId}:${r.refereeId}`} data-testid="referral-row" data-status={r.status}>
              <td>{fmt.dateTime(r.createdAt)}</td>
              <td>{member(r.referrerId)}</td>
              <td>{member(r.refereeId)}</td>
              <td>
                <span class={`badge ${TONE[r.status] ?? ''}`} data-status={r.status}>
                  {term('status', r.status)}
                </span>
                {r.rejectReason ? <div class="hint">{term('reason', r.rejectReason)}</div> : null}
              </td>
              <td>
                {r.qualifyingOrderId ? (
                  <>
                    <code dir="ltr">{r.qualifyingOrderId}</code> {r.qualifyingAmount !== null ? fmt.number(r.qualifyingAmount) : ''}
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>{r.rewardedAt ? fmt.dateTime(r.rewardedAt) : r.status === 'qualified' && r.rewardableAt ? t('referrals.from', { at: fmt.dateTime(r.rewardableAt) }) : '—'}</td>
              <td>{r.reversedAt ? t('referrals.reversedPoints', { points: fmt.number(r.reversedPoints ?? 0), unrecovered: fmt.number(r.unrecoveredPoints ?? 0) }) : '—'}</td>
            </tr>
          )}
        />
      ) : null}
    </>
  );
}
