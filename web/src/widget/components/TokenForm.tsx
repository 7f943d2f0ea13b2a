import { useState } from 'preact/hooks';
import { useI18n } from '../../shared/i18n/i18n.js';

/** Opened directly (not embedded): the member pastes a token the brand issued. */
export function TokenForm(props: { expired: boolean; onToken(token: string): void }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  return (
    <section class="card" aria-labelledby="signin-h">
      <h1 id="signin-h">{t('widget.signIn.title')}</h1>
      {props.expired ? (
        <p class="problem" role="alert">
          {t('widget.signIn.expired')}
        </p>
      ) : null}
      <p>{t('widget.signIn.intro')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onToken(value.trim());
        }}
      >
        <div class="field">
          <label for="member-token">{t('widget.signIn.token')}</label>
          <input id="member-token" type="password" autocomplete="off" dir="ltr" value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} style={{ width: '100%' }} />
        </div>
        <button type="submit" class="button">
          {t('widget.signIn.submit')}
        </button>
      </form>
    </section>
  );
}
