import { useMemo, useState } from 'preact/hooks';
import { idempotencyKey } from '../../shared/api/client.js';
import type { Redemption, RewardItem } from '../../shared/api/types.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';

/**
 * One reward: cost, redeem with a confirmation step. The idempotency key is made when the member
 * opens the confirmation, so a double click or a retry after a network error redeems once.
 */
export function RewardCard(props: { reward: RewardItem; available: number; onRedeemed(): void }) {
  const { api, memberId } = useSession();
  const { t, fmt } = useI18n();
  const r = props.reward;
  const [confirming, setConfirming] = useState(false);
  const key = useMemo(() => (confirming ? idempotencyKey(`widget-${r.id}`) : ''), [confirming, r.id]);
  const redeem = useAction(async () => {
    const result = await api.post<Redemption>(`/v1/members/${encodeURIComponent(memberId)}/redemptions`, { rewardId: r.id, quantity: 1, idempotencyKey: key });
    setConfirming(false);
    props.onRedeemed();
    return result;
  });
  const short = r.costPoints - props.available;
  const outOfStock = r.available === 0;
  return (
    <li data-testid="reward" data-reward={r.id}>
      <div class="item-head">
        <strong>{r.name}</strong>
        <span class="badge">{t('widget.rewards.cost', { n: fmt.number(r.costPoints) })}</span>
      </div>
      {r.description ? <p class="small muted">{r.description}</p> : null}
      {redeem.result ? (
        <p class="notice-ok" role="status" data-testid="redeemed">
          {t('widget.rewards.done', { name: r.name, n: fmt.number(redeem.result.balance.available) })}
          {redeem.result.codes.map((code) => (
            <code key={code} dir="ltr" style={{ display: 'block', fontSize: '1.1rem' }}>
              {code}
            </code>
          ))}
        </p>
      ) : null}
      <ProblemNotice error={redeem.error} />
      {outOfStock ? (
        <span class="badge neutral">{t('widget.rewards.outOfStock')}</span>
      ) : short > 0 ? (
        <p class="small muted">{t('widget.rewards.short', { n: fmt.number(short) })}</p>
      ) : confirming ? (
        <div class="confirm row">
          <span>{t('widget.rewards.confirm', { name: r.name, n: fmt.number(r.costPoints) })}</span>
          <button type="button" class="button" disabled={redeem.busy} onClick={() => void redeem.run()}>
            {t('widget.rewards.yes')}
          </button>
          <button type="button" class="button ghost" onClick={() => setConfirming(false)}>
            {t('action.cancel')}
          </button>
        </div>
      ) : (
        <button type="button" class="button secondary" onClick={() => (redeem.clear(), setConfirming(true))}>
          {t('widget.rewards.redeem')}
        </button>
      )}
    </li>
  );
}
