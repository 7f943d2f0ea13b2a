import type { RewardItem } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { CodePoolUpload } from '../components/CodePoolUpload.js';
import { useConsole } from '../session.js';

/** The rewards catalog (GET /v1/rewards) and, for coupon-code rewards, their code pools. */
export function RewardsPage() {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const rewards = useLoad((signal) => api.get<{ rewards: RewardItem[] }>('/v1/rewards', { status: 'all' }, { signal }), []);
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.rewards')}</h1>
      </div>
      <ProblemNotice error={rewards.error} onRetry={rewards.reload} />
      <section class="card">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.id')}</th>
              <th scope="col">{t('common.name')}</th>
              <th scope="col" class="num">
                {t('common.points')}
              </th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col" class="num">
                {t('rewards.stock')}
              </th>
            </tr>
          </thead>
          <tbody>
            {(rewards.data?.rewards ?? []).map((r) => (
              <tr key={r.id}>
                <td>
                  <code>{r.id}</code>
                </td>
                <td>{r.name}</td>
                <td class="num">{fmt.number(r.costPoints)}</td>
                <td>
                  {term('kind', r.kind)} · {term('status', r.status)}
                </td>
                <td class="num">{r.available === null ? '∞' : fmt.number(r.available)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {(rewards.data?.rewards ?? [])
        .filter((r) => r.kind === 'coupon_code')
        .map((r) => (
          <section class="card" key={r.id} aria-labelledby={`pool-${r.id}-h`} data-testid="code-pool">
            <h2 id={`pool-${r.id}-h`}>{t('rewards.codes.title', { name: r.name })}</h2>
            <CodePoolUpload rewardId={r.id} onDone={rewards.reload} />
          </section>
        ))}
    </>
  );
}
