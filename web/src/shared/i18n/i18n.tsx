import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import type { Catalogue, Locale } from './catalogue.js';
import { createFormatter, type Formatter } from './format.js';

export type TermGroup = 'status' | 'kind' | 'channel' | 'reason';

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export interface I18n {
  locale: Locale;
  dir: 'ltr' | 'rtl';
  t: Translate;
  /** The translation of `key` if the catalogue has it. */
  has(key: string): boolean;
  /**
   * A value the API sends as a code (a status, a kind, a channel) in words: `term.<group>.<value>`;
   * the code itself if the catalogue lacks it (the catalogue unit test holds every value of the
   * API's enums, so that happens only for a value newer than the page).
   */
  term(group: TermGroup, value: string): string;
  fmt: Formatter;
  setLocale(locale: Locale): void;
}

const STORAGE_KEY = 'laurel.locale';
const I18nContext = createContext<I18n | null>(null);

/** The reader's last choice, else the browser's language (fa for Persian), else en. */
export function initialLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'fa') return stored;
  } catch {
    // storage can be blocked in an embedded frame; the browser language decides then
  }
  return navigator.language.toLowerCase().startsWith('fa') ? 'fa' : 'en';
}

function interpolate(text: string, vars: Record<string, string | number> | undefined): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function I18nProvider(props: { catalogue: Catalogue; locale?: Locale; children: ComponentChildren }) {
  const [locale, setLocale] = useState<Locale>(props.locale ?? initialLocale());
  useEffect(() => {
    const html = document.documentElement;
    html.lang = locale;
    html.dir = locale === 'fa' ? 'rtl' : 'ltr';
  }, [locale]);
  const value = useMemo<I18n>(() => {
    const catalogue = props.catalogue;
    return {
      locale,
      dir: locale === 'fa' ? 'rtl' : 'ltr',
      fmt: createFormatter(locale),
      has: (key) => key in catalogue,
      term: (group, value) => {
        const entry = catalogue[`term.${group}.${value}`];
        return entry ? entry[locale] : value;
      },
      t: (key, vars) => {
        const entry = catalogue[key];
        return entry ? interpolate(entry[locale], vars) : key;
      },
      setLocale(next) {
        try {
          localStorage.setItem(STORAGE_KEY, next);
        } catch {
          // see initialLocale
        }
        setLocale(next);
      },
    };
  }, [locale, props.catalogue]);
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
