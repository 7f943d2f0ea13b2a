import { useState } from 'preact/hooks';
import type { CampaignView } from '../../shared/api/types.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/** Sends the first variant, rendered for a sample tier and language, to a test address (no policies). */
export function TestSendForm(props: { campaign: CampaignView }) {
  const { api } = useConsole();
  const { t } = useI18n();
  const channel = props.campaign.definition.channel === 'sms' ? 'sms' : 'email';
  const [to, setTo] = useState('');
  const [variant, setVariant] = useState(props.campaign.definition.variants[0]?.key ?? 'a');
  const [sample, setSample] = useState('gold/fa');
  const send = useAction(() => {
    const v = props.campaign.definition.variants.find((x) => x.key === variant)!;
    const [tier, locale] = sample.split('/');
    return api.post<{ id: string }>('/v1/messages/test-send', { message: v.template.message, channel, to, sample: { tier, locale }, vars: Object.keys(v.template.vars).length ? v.template.vars : undefined });
  });
  return (
    <section class="card" aria-labelledby="ts-h">
      <h2 id="ts-h">{t('campaigns.testSend')}</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void send.run();
        }}
      >
        <div class="field">
          <label for="ts-variant">{t('campaigns.variants')}</label>
          <select id="ts-variant" value={variant} onChange={(e) => setVariant((e.currentTarget as HTMLSelectElement).value)}>
            {props.campaign.definition.variants.map((v) => (
              <option key={v.key} value={v.key}>
                {v.key}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ts-sample">{t('common.tier')}</label>
          <select id="ts-sample" value={sample} onChange={(e) => setSample((e.currentTarget as HTMLSelectElement).value)}>
            {['bronze', 'silver', 'gold', 'diamond'].flatMap((tier) =>
              ['en', 'fa'].map((l) => (
                <option key={`${tier}/${l}`} value={`${tier}/${l}`}>
                  {tier} · {l}
                </option>
              )),
            )}
          </select>
        </div>
        <div class="field" style={{ flex: 1 }}>
          <label for="ts-to">{t('campaigns.testSend.to')}</label>
          <input id="ts-to" dir="ltr" required style={{ width: '100%' }} value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button secondary" disabled={send.busy}>
          {t('campaigns.testSend')}
        </button>
      </form>
      <ProblemNotice error={send.error} />
      {send.result ? (
        <p class="notice-ok" role="status" data-testid="test-sent">
          {t('campaigns.testSend.done', { id: send.result.id })}
        </p>
      ) : null}
    </section>
  );
}
