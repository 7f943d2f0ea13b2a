/**
 * Locale plumbing shared by template selection and formatting. Member locales are BCP 47 tags
 * (`en`, `fa`, `fa-IR`); Persian always renders with the Persian calendar and Persian digits.
 */

export const DEFAULT_LOCALE = 'en';

const RIGHT_TO_LEFT_LANGUAGES: ReadonlySet<string> = new Set(['ar', 'fa', 'he', 'ps', 'ur', 'ckb', 'dv', 'yi', 'sd', 'ug']);

/** A conservative BCP 47 shape check: language with optional script/region/variant subtags. */
const LOCALE_PATTERN = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

export function isLocaleTag(value: string): boolean {
  if (!LOCALE_PATTERN.test(value)) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

// Canonicalizing through Intl is slow and every render needs it a few times: memoize per tag.
const canonicalCache = new Map<string, string | undefined>();
const intlCache = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, compute: () => V): V {
  if (cache.has(key)) return cache.get(key) as V;
  const value = compute();
  if (cache.size >= 1000) cache.clear();
  cache.set(key, value);
  return value;
}

/** Canonical tag (`fa-ir` → `fa-IR`), or undefined when the value is not a usable locale. */
export function canonicalLocale(value: string): string | undefined {
  return remember(canonicalCache, value, () => computeCanonicalLocale(value));
}

function computeCanonicalLocale(value: string): string | undefined {
  const lower = value.trim().replace(/_/g, '-');
  if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(lower)) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(lower);
    return canonical;
  } catch {
    return undefined;
  }
}

export function languageOf(locale: string): string {
  return (locale.split('-')[0] ?? locale).toLowerCase();
}

/** Most specific first: `fa-IR` → [`fa-IR`, `fa`]; unusable input → []. */
export function localeCandidates(locale: string): string[] {
  const canonical = canonicalLocale(locale);
  if (!canonical) return [];
  const language = languageOf(canonical);
  return canonical === language ? [language] : [canonical, language];
}

export function textDirection(locale: string): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT_LANGUAGES.has(languageOf(locale)) ? 'rtl' : 'ltr';
}

/**
 * The tag handed to Intl. Persian gets the Persian calendar and Persian (extended Arabic-Indic)
 * digits explicitly, since `fa` alone is not guaranteed to select both on every ICU build.
 */
export function intlLocale(locale: string): string {
  return remember(intlCache, locale, () => computeIntlLocale(locale));
}

function computeIntlLocale(locale: string): string {
  const canonical = canonicalLocale(locale) ?? DEFAULT_LOCALE;
  if (languageOf(canonical) === 'fa') {
    return new Intl.Locale(canonical, { calendar: 'persian', numberingSystem: 'arabext' }).toString();
  }
  return canonical;
}

/**
 * Formatting follows the member's own tag when it is a variant of the template's language
 * (an `en-GB` member reading the `en` template gets British dates), otherwise the template's,
 * so a fallback template never mixes scripts.
 */
export function formattingLocale(templateLocale: string, memberLocale: string): string {
  const member = canonicalLocale(memberLocale);
  if (member && languageOf(member) === languageOf(templateLocale)) return member;
  return templateLocale;
}
