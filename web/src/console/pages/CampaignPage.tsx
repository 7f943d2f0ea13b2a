import { useState } from 'preact/hooks';
import type { CampaignStatsView, CampaignView, ProgramView } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { AttachOfferForm } from '../components/AttachOfferForm.js';
import { FunnelChart } from '../components/FunnelChart.js';
import { StatsTable } from '../components/StatsTable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { TemplatePreviewGrid } from '../components/TemplatePreviewGrid.js';
import { TestSendForm } from '../components/TestSendForm.js';
import { useConsole } from '../session.js';

/** A campaign: preview every variant in every tier and language, test send, launch, control, results. */
export function CampaignPage(props: { id: string }) {
  const { api } = useConsole();
  const { t, fmt, term } = useI18n();
  const base = `/v1/campaigns/${encodeURIComponent(props.id)}`;
  const campaign = useLoad((signal) => api.get<CampaignView>(base, undefined, { signal }), [base], { refreshMs: 5000 });
  const running = campaign.data && campaign.data.status !== 'draft';
  const stats = useLoad((signal) => (running ? api.get<CampaignStatsView>(`${base}/stats`, undefined, { signal }) : Promise.resolve(null)), [base, running], { refreshMs: 3000 });
  const program = useLoad((signal) => api.get<ProgramView>('/v1/program', undefined, { signal }), []);
  const [previewing, setPreviewing] = useState(false);
  const preview = useAction(() => api.post<{ audience: { count: number }; holdoutPercent: number }>(`${base}/preview`, { sampleSize: 5 }).then((r) => (setPreviewing(true), r)));
  const control = useAction((action: 'launch' | 'pause' | 'resume' | 'cancel') => api.post(`${base}/${action}`).then(() => (campaign.reload(), action)));
  if (campaign.error) return <ProblemNotice error={campaign.error} onRetry={campaign.reload} />;
  if (!campaign.data) return <Loading />;
  const c = campaign.data;
  const tiers = program.data?.definition.tiers.map((x) => x.id) ?? [];
  return (
    <>
      <div class="page-head">
        <h1>{c.name}</h1>
        <StatusBadge status={c.status} />
      </div>
      <section class="card" aria-labelledby="ctl-h">
        <h2 id="ctl-h" class="sr-only">
          {t('common.actions')}
        </h2>
        <div class="row">
          <button type="button" class="button secondary" disabled={preview.busy} onClick={() => void preview.run()}>
            {t('campaigns.preview')}
          </button>
          {c.status === 'draft' ? (
            <button type="button" class="button" disabled={control.busy} onClick={() => void control.run('launch')}>
              {t('campaigns.launch')}
            </button>
          ) : null}
          {c.status === 'running' ? (
            <button type="button" class="button secondary" disabled={control.busy} onClick={() => void control.run('pause')}>
              {t('campaigns.pause')}
            </button>
          ) : null}
          {c.status === 'paused' ? (
            <button type="button" class="button secondary" disabled={control.busy} onClick={() => void control.run('resume')}>
              {t('campaigns.resume')}
            </button>
          ) : null}
          {c.status === 'running' || c.status === 'paused' || c.status === 'scheduled' ? (
            <button type="button" class="button danger" disabled={control.busy} onClick={() => void control.run('cancel')}>
              {t('campaigns.cancel')}
            </button>
          ) : null}
        </div>
        <ProblemNotice error={preview.error ?? control.error} />
        {control.result ? (
          <p class="notice-ok" role="status">
            {t('campaigns.requested', { action: t(`campaigns.${control.result}`) })}
          </p>
        ) : null}
        {preview.result ? (
          <p class="notice-ok" role="status" data-testid="campaign-audience">
            {t('campaigns.previewAudience', { n: fmt.number(preview.result.audience.count), holdout: fmt.number(preview.result.holdoutPercent) })}
          </p>
        ) : null}
        <dl class="facts">
          <dt>{t('campaigns.channel')}</dt>
          <dd>{term('channel', c.definition.channel)}</dd>
          <dt>{t('campaigns.segment')}</dt>
          <dd>{c.definition.segmentId ?? 'inline'}</dd>
          <dt>{t('campaigns.holdout')}</dt>
          <dd>{fmt.number(c.definition.holdoutPercent)}</dd>
        </dl>
      </section>
      {stats.data ? (
        <section class="card" aria-labelledby="stats-h">
          <h2 id="stats-h">{t('campaigns.stats')}</h2>
          <StatsTable stats={stats.data} />
          <h3>{t('campaigns.funnel')}</h3>
          <FunnelChart stats={stats.data} />
        </section>
      ) : null}
      {previewing && tiers.length > 0
        ? c.definition.variants.map((v) => (
            <section class="card" key={v.key} aria-labelledby={`pv-${v.key}`}>
              <h2 id={`pv-${v.key}`}>
                {t('campaigns.variant', { key: v.key })}: {t('templates.previewTitle', { message: v.template.message })}
              </h2>
              <TemplatePreviewGrid message={v.template.message} channel={c.definition.channel} vars={v.template.vars} tiers={tiers} />
            </section>
          ))
        : null}
      {c.status === 'draft' ? <AttachOfferForm campaign={c} /> : null}
      <TestSendForm campaign={c} />
    </>
  );
}
