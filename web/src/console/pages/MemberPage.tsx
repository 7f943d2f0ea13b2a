import type { MemberSummaryView, MemberView, MessageItem, MissionItem, MemberDraw } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { AdjustmentForm } from '../components/AdjustmentForm.js';
import { LedgerTable } from '../components/LedgerTable.js';
import { MemberOffersCard } from '../components/MemberOffersCard.js';
import { TierProgressTable } from '../components/TierProgressTable.js';
import { useConsole } from '../session.js';

/** One member: summary, tier progress per metric, expiring points, ledger, messages, missions, draws; adjustment (admin). */
export function MemberPage(props: { id: string }) {
  const { api, isAdmin } = useConsole();
  const { t, fmt, term } = useI18n();
  const base = `/v1/members/${encodeURIComponent(props.id)}`;
  const member = useLoad((signal) => api.get<MemberView>(base, undefined, { signal }), [base]);
  const summary = useLoad((signal) => api.get<MemberSummaryView>(`${base}/summary`, undefined, { signal }), [base]);
  const messages = useLoad((signal) => api.get<{ items: MessageItem[] }>(`${base}/messages`, { limit: 20 }, { signal }), [base]);
  const missions = useLoad((signal) => api.get<{ missions: MissionItem[] }>(`${base}/missions`, undefined, { signal }), [base]);
  const draws = useLoad((signal) => api.get<{ items: MemberDraw[] }>(`${base}/draws`, undefined, { signal }), [base]);
  if (member.error) return <ProblemNotice error={member.error} onRetry={member.reload} />;
  if (!member.data || !summary.data) return <Loading />;
  const m = member.data;
  const s = summary.data;
  return (
    <>
      <div class="page-head">
        <h1>
          {m.firstName ? `${m.firstName} · ` : ''}
          <bdi>{m.id}</bdi>
        </h1>
        <span class="badge">{fmt.tierName(s.tier.currentTier)}</span>
      </div>
      <section class="card" aria-labelledby="sum-h">
        <h2 id="sum-h">{t('member.summary')}</h2>
        <div class="kpis">
          <div class="kpi">
            <div class="value" data-testid="member-available">
              {fmt.number(s.balance.available)}
            </div>
            <div class="label">{t('member.available')}</div>
          </div>
          <div class="kpi">
            <div class="value">{fmt.number(s.balance.pending)}</div>
            <div class="label">{t('member.pending')}</div>
          </div>
          <div class="kpi">
            <div class="value">{fmt.number(s.balance.debt)}</div>
            <div class="label">{t('member.debt')}</div>
          </div>
        </div>
        <dl class="facts" style={{ marginBlockStart: '0.75rem' }}>
          <dt>{t('common.email')}</dt>
          <dd dir="ltr">{m.email ?? '—'}</dd>
          <dt>{t('common.phone')}</dt>
          <dd dir="ltr">{m.phone ?? '—'}</dd>
          <dt>{t('common.locale')}</dt>
          <dd>{m.locale}</dd>
          <dt>{t('member.consent')}</dt>
          <dd>
            <code dir="ltr">{JSON.stringify(m.consent)}</code>
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="tier-h">
        <h2 id="tier-h">{t('member.tierProgress')}</h2>
        <TierProgressTable tier={s.tier} />
        <h3>{t('member.expiring')}</h3>
        <p>{t('member.expiringWithin', { d30: fmt.number(s.expiring.within30Days), d60: fmt.number(s.expiring.within60Days), d90: fmt.number(s.expiring.within90Days) })}</p>
      </section>
      {isAdmin ? <AdjustmentForm memberId={m.id} onDone={() => summary.reload()} /> : null}
      <LedgerTable memberId={m.id} refreshKey={s.balance.available} />
      <section class="card" aria-labelledby="msgs-h">
        <h2 id="msgs-h">{t('member.messages')}</h2>
        <ProblemNotice error={messages.error} />
        <ul class="list">
          {(messages.data?.items ?? []).map((msg) => (
            <li key={msg.id} class="item-head">
              <span>
                <code>{msg.message}</code> · {term('channel', msg.channel)}
              </span>
              <span class="badge neutral">{term('status', msg.status)}</span>
            </li>
          ))}
        </ul>
      </section>
      <MemberOffersCard memberId={props.id} />
      <section class="card" aria-labelledby="ms-h">
        <h2 id="ms-h">{t('member.missions')}</h2>
        <ul class="list">
          {(missions.data?.missions ?? []).map((mi) => (
            <li key={mi.id}>
              {mi.name}: {mi.current ? `${fmt.number(mi.current.progress)} / ${fmt.number(mi.current.target)} (${term('status', mi.current.status)})` : '—'}
            </li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="dr-h">
        <h2 id="dr-h">{t('member.draws')}</h2>
        <ul class="list">
          {(draws.data?.items ?? []).map((d) => (
            <li key={d.id}>
              <a href={`/draws/${encodeURIComponent(d.id)}`}>{d.name}</a> · {d.participation} {d.tickets ? `· ${fmt.number(d.tickets)}` : ''}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
