import type { HeldOfferView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';

/** The offers the member holds: what each gives, until when, how many uses are left. */
export function OffersView() {
  const { api, memberId } = useSession();
  const { t, fmt } = useI18n();
  const offers = useLoad((signal) => api.get<{ items: HeldOfferView[] }>(`/v1/members/${encodeURIComponent(memberId)}/offers`, undefined, { signal }), [memberId]);
  if (offers.error) return <ProblemNotice error={offers.error} onRetry={offers.reload} />;
  if (!offers.data) return <Loading />;
  const gives = (o: HeldOfferView): string => {
    const g = o.gives;
    if (g.type === 'coupon') {
      const d = g.discount;
      if (d.type === 'percent') return t('widget.offers.percent', { n: fmt.number(d.percent) });
      if (d.type === 'amount') return t('widget.offers.amount', { n: fmt.number(d.amount) });
      if (d.type === 'free_shipping') return t('widget.offers.freeShipping');
      return t('widget.offers.freeItem', { item: d.item });
    }
    if (g.type === 'bonus_points') return t('widget.offers.bonus', { trigger: g.trigger });
    return t('widget.offers.rewardDiscount', { reward: g.rewardName ?? g.rewardId, n: fmt.number(g.costPoints ?? 0) });
  };
  return (
    <section class="card" aria-labelledby="offers-h">
      <h1 id="offers-h">{t('widget.tab.offers')}</h1>
      {offers.data.items.length === 0 ? <p class="muted">{t('widget.offers.none')}</p> : null}
      <ul class="list">
        {offers.data.items.map((o) => (
          <li key={o.grantId} data-testid="offer">
            <div class="item-head">
              <strong>{o.name}</strong>
              {o.usesLeft !== null ? <span class="badge">{t('widget.offers.usesLeft', { n: fmt.number(o.usesLeft) })}</span> : null}
            </div>
            <p>{gives(o)}</p>
            {o.gives.type === 'coupon' && o.gives.code ? (
              <p>
                {t('widget.offers.code')}:{' '}
                <code dir="ltr" style={{ fontSize: '1.1rem' }} data-testid="coupon-code">
                  {o.gives.code}
                </code>
              </p>
            ) : null}
            {o.validUntil ? <p class="small muted">{t('widget.offers.until', { date: fmt.date(o.validUntil) })}</p> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
