import { useEffect } from 'preact/hooks';
import type { PublicDraw, PublicDrawAuditLog, PublicDrandChains } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { LocaleSwitch } from '../../shared/components/LocaleSwitch.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { publicApi } from '../api.js';
import { AuditLogSection } from './AuditLogSection.js';
import { CommitSection } from './CommitSection.js';
import { MemberProofSection } from './MemberProofSection.js';
import { RulesSection } from './RulesSection.js';
import { StatusBadge } from './StatusBadge.js';
import { VerifySection } from './VerifySection.js';
import { WinnersSection } from './WinnersSection.js';

/** The public page of one draw: what was promised, what was committed, who won, and the tools to check it. */
export function DrawPage(props: { drawId: string }) {
  const { t } = useI18n();
  const path = `/v1/public/draws/${encodeURIComponent(props.drawId)}`;
  const draw = useLoad((signal) => publicApi.get<PublicDraw>(path, undefined, { signal }), [path], { refreshMs: 15_000 });
  const log = useLoad((signal) => publicApi.get<PublicDrawAuditLog>(`${path}/audit-log`, undefined, { signal }), [path, draw.data?.status]);
  const chains = useLoad((signal) => publicApi.get<PublicDrandChains>('/v1/public/drand-chains', undefined, { signal }), []);
  const name = draw.data?.name ?? props.drawId;
  useEffect(() => {
    document.title = t('draw.pageTitle', { name });
  }, [name, t]);
  return (
    <>
      <header class="topbar">
        <span class="brand">{t('app.name')}</span>
        <span class="spacer" />
        <LocaleSwitch />
      </header>
      <main class="page" id="main">
        {draw.error && !draw.data ? <ProblemNotice error={draw.error} onRetry={draw.reload} /> : null}
        {!draw.data && !draw.error ? <Loading /> : null}
        {draw.data ? (
          <>
            <div class="draw-header">
              <div>
                <h1>{t('draw.pageTitle', { name: draw.data.name })}</h1>
                <p class="muted">{t('draw.subtitle')}</p>
              </div>
              <StatusBadge status={draw.data.status} />
            </div>
            {draw.data.voidReason ? <p class="problem">{t('draw.void', { reason: draw.data.voidReason })}</p> : null}
            <RulesSection draw={draw.data} />
            <CommitSection draw={draw.data} />
            <WinnersSection draw={draw.data} />
            <VerifySection draw={draw.data} chains={chains.data?.chains ?? []} />
            <MemberProofSection draw={draw.data} />
            <AuditLogSection log={log.data} error={log.error} />
          </>
        ) : null}
      </main>
    </>
  );
}
