/**
 * The message catalogue: every string the pages show, in English and Persian side by side, so a
 * missing translation is a type error. Split by surface (common, console, widget, draw) so each
 * page bundles only what it shows; `web/test/unit/catalogue.test.ts` checks placeholders match.
 */
export type Locale = 'en' | 'fa';
export const LOCALES: readonly Locale[] = ['en', 'fa'];

export interface CatalogueEntry {
  en: string;
  fa: string;
}

export type Catalogue = Readonly<Record<string, CatalogueEntry>>;

export function defineMessages<const T extends Record<string, CatalogueEntry>>(messages: T): T {
  return messages;
}
