import { useState } from 'preact/hooks';
import { useI18n } from '../../shared/i18n/i18n.js';

export function SignIn(props: { expired: boolean; onKey(key: string): void }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  return (
    <section class="card" style={{ maxWidth: '520px', margin: '2rem auto' }} aria-labelledby="signin-h">
      <h1 id="signin-h">{t('console.signIn.title')}</h1>
      {props.expired ? (
        <p class="problem" role="alert">
          {t('problem.unauthorized')}
        </p>
      ) : null}
      <p>{t('console.signIn.intro')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onKey(value.trim());
        }}
      >
        <div class="field">
          <label for="api-key">{t('console.signIn.key')}</label>
          <input id="api-key" type="password" autocomplete="off" dir="ltr" style={{ width: '100%' }} value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button">
          {t('console.signIn.submit')}
        </button>
      </form>
    </section>
  );
}
