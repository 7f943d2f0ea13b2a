import { useI18n } from '../i18n/i18n.js';

/** One button: English ⇄ فارسی (the page turns right-to-left with Persian digits and calendar). */
export function LocaleSwitch() {
  const { t, locale, setLocale } = useI18n();
  const next = locale === 'fa' ? 'en' : 'fa';
  return (
    <button type="button" class="button ghost locale-switch" lang={next} title={t('locale.switchLabel')} onClick={() => setLocale(next)}>
      {t('locale.switch')}
    </button>
  );
}
