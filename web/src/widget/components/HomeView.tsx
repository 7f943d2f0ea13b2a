import type { MemberSummaryView, MemberView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useSession } from '../session.js';
import { BalanceCard } from './BalanceCard.js';
import { ExpiringCard } from './ExpiringCard.js';
import { RecentActivity } from './RecentActivity.js';
import { TierProgressCard } from './TierProgressCard.js';

export function HomeView() {
  const { api, memberId } = useSession();
  const base = `/v1/members/${encodeURIComponent(memberId)}`;
  const summary = useLoad((signal) => api.get<MemberSummaryView>(`${base}/summary`, undefined, { signal }), [base]);
  const member = useLoad((signal) => api.get<MemberView>(base, undefined, { signal }), [base]);
  if (summary.error) return <ProblemNotice error={summary.error} onRetry={summary.reload} />;
  if (!summary.data) return <Loading />;
  return (
    <>
      <BalanceCard summary={summary.data} firstName={member.data?.firstName ?? null} />
      <TierProgressCard tier={summary.data.tier} />
      <ExpiringCard expiring={summary.data.expiring} />
      <RecentActivity entries={summary.data.recentEntries} />
    </>
  );
}
