import { useState } from 'preact/hooks';
import { BUILT_IN_MESSAGES } from '../../../../src/messaging/templates/message-registry.js';
import type { CampaignDefinitionInput, CampaignView, SegmentView } from '../../shared/api/types.js';
import { ApiProblem } from '../../shared/api/client.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { navigate } from '../router.js';
import { useConsole } from '../session.js';

interface VariantDraft {
  key: string;
  percent: number;
  message: string;
  vars: string;
}

/** A new campaign as a draft: audience (saved segment), channel, A/B variants, holdout. */
export function CampaignEditorPage() {
  const { api } = useConsole();
  const { t, term } = useI18n();
  const segments = useLoad((signal) => api.get<{ items: SegmentView[] }>('/v1/segments', undefined, { signal }), []);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [channel, setChannel] = useState<'email' | 'sms' | 'inbox'>('email');
  const [segmentId, setSegmentId] = useState('');
  const [holdout, setHoldout] = useState(10);
  const [variants, setVariants] = useState<VariantDraft[]>([
    { key: 'a', percent: 50, message: 'winback_offer', vars: '{}' },
    { key: 'b', percent: 50, message: 'winback_offer', vars: '{}' },
  ]);
  const save = useAction(async () => {
    const parsed = variants.map((v, i) => {
      try {
        return { key: v.key, percent: v.percent, template: { message: v.message, vars: JSON.parse(v.vars || '{}') as Record<string, unknown> } };
      } catch (err) {
        throw new ApiProblem({ status: 400, code: 'invalid_request', detail: `variants[${i}].vars: ${(err as Error).message}` });
      }
    });
    const body: CampaignDefinitionInput = { name, channel, segmentId: segmentId || (segments.data?.items[0]?.id ?? ''), holdoutPercent: holdout, variants: parsed };
    const campaign = await api.put<CampaignView>(`/v1/campaigns/${encodeURIComponent(id)}`, body);
    navigate(`/campaigns/${campaign.id}`);
    return campaign;
  });
  const setVariant = (i: number, patch: Partial<VariantDraft>) => setVariants(variants.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  return (
    <>
      <div class="page-head">
        <h1>{t('campaigns.new')}</h1>
      </div>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <div class="grid">
          <div class="field">
            <label for="c-id">{t('campaigns.id')}</label>
            <input id="c-id" dir="ltr" required value={id} onInput={(e) => setId((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="c-name">{t('common.name')}</label>
            <input id="c-name" required value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="c-segment">{t('campaigns.segment')}</label>
            <select id="c-segment" value={segmentId} onChange={(e) => setSegmentId((e.currentTarget as HTMLSelectElement).value)}>
              {(segments.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.id})
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="c-channel">{t('campaigns.channel')}</label>
            <select id="c-channel" value={channel} onChange={(e) => setChannel((e.currentTarget as HTMLSelectElement).value as 'email')}>
              {(['email', 'sms', 'inbox'] as const).map((c) => (
                <option key={c} value={c}>
                  {term('channel', c)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="c-holdout">{t('campaigns.holdout')}</label>
            <input id="c-holdout" type="number" min={0} max={90} dir="ltr" value={holdout} onInput={(e) => setHoldout(Number((e.currentTarget as HTMLInputElement).value))} />
          </div>
        </div>
        <h2>{t('campaigns.variants')}</h2>
        {variants.map((v, i) => (
          <fieldset key={i} class="condition" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(160px, 1fr))' }}>
            <legend>{t('campaigns.variant', { key: v.key })}</legend>
            <div class="field">
              <label for={`v-${i}-key`}>{t('common.id')}</label>
              <input id={`v-${i}-key`} dir="ltr" value={v.key} onInput={(e) => setVariant(i, { key: (e.currentTarget as HTMLInputElement).value })} />
            </div>
            <div class="field">
              <label for={`v-${i}-pct`}>{t('campaigns.percent')}</label>
              <input id={`v-${i}-pct`} type="number" min={1} max={100} dir="ltr" value={v.percent} onInput={(e) => setVariant(i, { percent: Number((e.currentTarget as HTMLInputElement).value) })} />
            </div>
            <div class="field">
              <label for={`v-${i}-msg`}>{t('campaigns.message')}</label>
              <select id={`v-${i}-msg`} value={v.message} onChange={(e) => setVariant(i, { message: (e.currentTarget as HTMLSelectElement).value })}>
                {BUILT_IN_MESSAGES.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </div>
            <div class="field" style={{ gridColumn: '1 / -1' }}>
              <label for={`v-${i}-vars`}>{t('campaigns.vars')}</label>
              <textarea id={`v-${i}-vars`} rows={2} dir="ltr" value={v.vars} onInput={(e) => setVariant(i, { vars: (e.currentTarget as HTMLTextAreaElement).value })} />
            </div>
          </fieldset>
        ))}
        <div class="row">
          <button type="button" class="button secondary" onClick={() => setVariants([...variants, { key: String.fromCharCode(97 + variants.length), percent: 0, message: variants[0]?.message ?? 'winback_offer', vars: '{}' }])}>
            {t('campaigns.addVariant')}
          </button>
          <button type="submit" class="button" disabled={save.busy}>
            {t('campaigns.create')}
          </button>
        </div>
        <ProblemNotice error={save.error} />
      </form>
    </>
  );
}
