import type { HeldOfferView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';
import { Link } from './Link.js';

/** Every offer the member was given (GET /v1/members/:id/offers?status=all): status, code, uses, until when. */
export function MemberOffersCard(props: { memberId: string }) {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const offers = useLoad((signal) => api.get<{ items: HeldOfferView[] }>(`/v1/members/${encodeURIComponent(props.memberId)}/offers`, { status: 'all' }, { signal }), [props.memberId]);
  const items = offers.data?.items ?? [];
  return (
    <section class="card" aria-labelledby="mo-h">
      <h2 id="mo-h">{t('nav.offers')}</h2>
      <ProblemNotice error={offers.error} onRetry={offers.reload} />
      {offers.data && items.length === 0 ? <p class="muted">{t('member.offers.none')}</p> : null}
      {items.length ? (
        <div class="table-wrap">
          <table data-testid="member-offers">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('member.offers.code')}</th>
                <th scope="col">{t('member.offers.granted')}</th>
                <th scope="col">{t('member.offers.until')}</th>
                <th scope="col" class="num">
                  {t('member.offers.uses')}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o.grantId} data-testid="member-offer">
                  <td>
                    {o.name}
                    {o.campaignId ? (
                      <>
                        {' · '}
                        <Link to={`/campaigns/${o.campaignId}`}>{o.campaignId}</Link>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <span class="badge neutral">{term('status', o.status)}</span>
                  </td>
                  <td dir="ltr">{o.gives.type === 'coupon' && o.gives.code ? <code>{o.gives.code}</code> : '—'}</td>
                  <td>{fmt.date(o.grantedAt)}</td>
                  <td>{o.validUntil ? fmt.date(o.validUntil) : '—'}</td>
                  <td class="num">
                    {fmt.number(o.uses)}
                    {o.usesLeft !== null ? ` / ${fmt.number(o.uses + o.usesLeft)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
