import { useState } from 'preact/hooks';
import type { Consent, MemberView } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';

const CHANNELS = ['email', 'sms', 'inbox'] as const;
type Channel = (typeof CHANNELS)[number];
type Kind = 'marketing' | 'transactional';

/** Marketing on a channel is on only when the member said yes; service messages are on unless they said no (the delivery policy's rule). */
function isOn(consent: Consent, channel: Channel, kind: Kind): boolean {
  const flags = consent[channel];
  return kind === 'marketing' ? flags?.marketing === true : flags?.transactional !== false;
}

/** Notification preferences per channel: each switch saves at once through PUT /v1/members/:id/consent. */
export function PreferencesView() {
  const { api, memberId } = useSession();
  const { t } = useI18n();
  const base = `/v1/members/${encodeURIComponent(memberId)}`;
  const member = useLoad((signal) => api.get<MemberView>(base, undefined, { signal }), [base]);
  const [saved, setSaved] = useState<string | null>(null);
  // What the member just chose shows at once; a failed save puts the switch back.
  const [chosen, setChosen] = useState<Record<string, boolean>>({});
  const save = useAction(async (channel: Channel, kind: Kind, on: boolean) => {
    setChosen((c) => ({ ...c, [`${channel}.${kind}`]: on }));
    try {
      await api.put(`${base}/consent`, { [channel]: { [kind]: on } });
      setSaved(`${channel}.${kind}`);
      member.reload();
    } catch (err) {
      setChosen((c) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== `${channel}.${kind}`)));
      throw err;
    }
  });
  if (member.error) return <ProblemNotice error={member.error} onRetry={member.reload} />;
  if (!member.data) return <Loading />;
  const m = member.data;
  const address: Record<Channel, string | null> = { email: m.email, sms: m.phone, inbox: m.id };
  return (
    <section class="card" aria-labelledby="prefs-h">
      <h1 id="prefs-h">{t('widget.tab.settings')}</h1>
      <p class="muted">{t('widget.settings.intro')}</p>
      <ProblemNotice error={save.error} />
      {CHANNELS.map((channel) => (
        <fieldset key={channel} class="stack" style={{ border: 'none', padding: 0, margin: '0 0 1rem' }}>
          <legend>
            <strong>{t(`widget.settings.channel.${channel}`)}</strong>
            {address[channel] && channel !== 'inbox' ? (
              <span class="muted small" dir="ltr" style={{ marginInlineStart: '0.5rem' }}>
                {address[channel]}
              </span>
            ) : null}
          </legend>
          {!address[channel] ? <p class="small muted">{t('widget.settings.noAddress')}</p> : null}
          {(['marketing', 'transactional'] as const).map((kind) => {
            const id = `consent-${channel}-${kind}`;
            return (
              <div class="toggle-row" key={kind}>
                <label for={id}>{t(`widget.settings.${kind}`)}</label>
                <input
                  id={id}
                  type="checkbox"
                  role="switch"
                  checked={chosen[`${channel}.${kind}`] ?? isOn(m.consent, channel, kind)}
                  disabled={save.busy}
                  onChange={(e) => void save.run(channel, kind, (e.currentTarget as HTMLInputElement).checked)}
                />
              </div>
            );
          })}
          {saved?.startsWith(`${channel}.`) ? (
            <p class="small" role="status">
              {t('widget.settings.saved')}
            </p>
          ) : null}
        </fieldset>
      ))}
    </section>
  );
}
