import type { RewardItem } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { CodePoolUpload } from '../components/CodePoolUpload.js';
import { useConsole } from '../session.js';
import { ListTable } from '../components/ListTable.js';

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
      <ListTable
        columns={[t('common.id'), t('common.name'), { label: t('common.points'), numeric: true }, t('common.status'), { label: t('rewards.stock'), numeric: true }]}
        items={rewards.data?.rewards}
        row={(r) => (
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
        )}
      />
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
