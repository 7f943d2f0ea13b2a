import type { MemberSummaryView, RewardItem } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';
import { RewardCard } from './RewardCard.js';

/** The catalog with the member's balance: redeem what they can afford. */
export function RewardsView() {
  const { api, memberId } = useSession();
  const { t } = useI18n();
  const rewards = useLoad((signal) => api.get<{ rewards: RewardItem[] }>('/v1/rewards', undefined, { signal }), []);
  const summary = useLoad((signal) => api.get<MemberSummaryView>(`/v1/members/${encodeURIComponent(memberId)}/summary`, undefined, { signal }), [memberId]);
  const error = rewards.error ?? summary.error;
  if (error) return <ProblemNotice error={error} onRetry={() => (rewards.reload(), summary.reload())} />;
  if (!rewards.data || !summary.data) return <Loading />;
  return (
    <section class="card" aria-labelledby="rewards-h">
      <h1 id="rewards-h">{t('widget.tab.rewards')}</h1>
      {rewards.data.rewards.length === 0 ? <p class="muted">{t('widget.rewards.none')}</p> : null}
      <ul class="list">
        {rewards.data.rewards.map((r) => (
          <RewardCard key={r.id} reward={r} available={summary.data!.balance.available} onRedeemed={summary.reload} />
        ))}
      </ul>
    </section>
  );
}
