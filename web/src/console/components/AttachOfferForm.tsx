import { useState } from 'preact/hooks';
import type { CampaignView, OfferDefinitionInput, OfferView } from '../../shared/api/types.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/** A draft campaign gives a personal coupon to every member its first send reaches (PUT /v1/offers/:id with the campaign). */
export function AttachOfferForm(props: { campaign: CampaignView }) {
  const { api } = useConsole();
  const { t } = useI18n();
  const [percent, setPercent] = useState(10);
  const [days, setDays] = useState(14);
  const id = `${props.campaign.id}-coupon`.slice(0, 63);
  const attach = useAction(() => {
    const body: OfferDefinitionInput = {
      kind: 'coupon',
      name: `${props.campaign.name}: ${percent}%`,
      campaign: { id: props.campaign.id },
      coupon: { discount: { type: 'percent', percent }, validDays: days },
    };
    return api.put<OfferView>(`/v1/offers/${id}`, body);
  });
  return (
    <section class="card" aria-labelledby="offer-h">
      <h2 id="offer-h">{t('offers.attach')}</h2>
      <p class="muted">{t('offers.attach.intro')}</p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void attach.run();
        }}
      >
        <div class="field">
          <label for="offer-percent">{t('offers.percent')}</label>
          <input id="offer-percent" type="number" min={1} max={100} dir="ltr" value={percent} onInput={(e) => setPercent(Number((e.currentTarget as HTMLInputElement).value))} />
        </div>
        <div class="field">
          <label for="offer-days">{t('offers.validDays')}</label>
          <input id="offer-days" type="number" min={1} max={3650} dir="ltr" value={days} onInput={(e) => setDays(Number((e.currentTarget as HTMLInputElement).value))} />
        </div>
        <button type="submit" class="button secondary" disabled={attach.busy}>
          {t('offers.save')}
        </button>
      </form>
      <ProblemNotice error={attach.error} />
      {attach.result ? (
        <p class="notice-ok" role="status" data-testid="offer-attached">
          {t('offers.attached', { id: attach.result.id })}
        </p>
      ) : null}
    </section>
  );
}
