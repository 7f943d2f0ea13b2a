import type { HelperDelegate, HelperOptions } from 'handlebars';
import { LaurelError, ValidationError } from '../../errors/index.js';
import {
  choosePlural,
  formatDate,
  formatInteger,
  formatMoney,
  formatMoneyValue,
  formatRelativeDays,
  isDateStyle,
  type PluralForms,
} from './formatting.js';
import { localizedTierName } from './tier-names.js';
import type { MessageKind, MessageLinks } from './types.js';

/** What helpers know about the recipient; passed as `@laurel` data, never as template context. */
export interface HelperContext {
  /** Locale numbers and dates are formatted in (see formattingLocale). */
  locale: string;
  timeZone: string;
  now: Date;
  links: MessageLinks;
  kind: MessageKind;
  memberTier: string;
  memberTierName?: string | undefined;
}

export const INLINE_HELPERS = ['points', 'number', 'money', 'date', 'relativeDays', 'pluralize', 'tierName', 'unsubscribeUrl'] as const;
export const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'] as const;
export const ALLOWED_HELPERS: ReadonlySet<string> = new Set<string>([...INLINE_HELPERS, ...BLOCK_HELPERS]);

type HelperBody = (args: unknown[], hash: Record<string, unknown>, context: HelperContext) => string;

function helper(name: string, body: HelperBody): HelperDelegate {
  return function (this: unknown, ...all: unknown[]): string {
    const options = all.pop() as HelperOptions;
    const context = (options.data as { laurel?: HelperContext } | undefined)?.laurel;
    if (!context) throw new LaurelError('template_render_failed', `helper ${name} called outside renderMessage`, { status: 500 });
    return body(all, options.hash, context);
  };
}

/** Only absolute http(s) and mailto links reach a message; `javascript:` and friends are refused. */
export function safeUrl(value: unknown, what: string): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:') return url.toString();
    } catch {
      // fall through
    }
  }
  throw new ValidationError('template_variable_invalid', `${what} must be an absolute http(s) or mailto URL`, { variable: what });
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ValidationError('template_variable_invalid', `${what} must be a string`, { variable: what });
  return value;
}

export const TEMPLATE_HELPERS: Readonly<Record<(typeof INLINE_HELPERS)[number], HelperDelegate>> = {
  /** `{{points balance}}` → `12,750` / `۱۲٬۷۵۰`. */
  points: helper('points', ([value], _hash, context) => formatInteger(value, context.locale, 'points')),
  /** Any other integer (rank, count) in the locale's digits. */
  number: helper('number', ([value], _hash, context) => formatInteger(value, context.locale, 'number')),
  /** `{{money prizeValue}}` with a `{ amountMinor, currency }` value, or `{{money amountMinor "USD"}}`. */
  money: helper('money', (args, _hash, context) =>
    args.length >= 2 ? formatMoney(args[0], args[1], context.locale) : formatMoneyValue(args[0], context.locale),
  ),
  /** `{{date expiresAt}}` (long), `{{date expiresAt "short"}}`, `{{date expiresAt style="medium" time=true}}`. */
  date: helper('date', ([value, positionalStyle], hash, context) => {
    const style = positionalStyle ?? hash.style ?? 'long';
    if (!isDateStyle(style)) throw new ValidationError('template_invalid', 'date style must be short, medium, long or full', { style: String(style) });
    return formatDate(value, { locale: context.locale, timeZone: context.timeZone, style, withTime: hash.time === true });
  }),
  /** Calendar days from now in the member's zone: `today`, `tomorrow`, `in 5 days`. */
  relativeDays: helper('relativeDays', ([value], _hash, context) => formatRelativeDays(value, context)),
  /** `{{pluralize points "point" "points"}}` → the word only; hash `zero=`, `two=`, `few=`, `many=` for other forms. */
  pluralize: helper('pluralize', ([count, one, other], hash, context) => {
    const forms: PluralForms = { one: text(one, 'pluralize singular'), other: text(other ?? one, 'pluralize plural') };
    for (const category of ['zero', 'two', 'few', 'many'] as const) if (typeof hash[category] === 'string') forms[category] = hash[category];
    return choosePlural(count, forms, context.locale);
  }),
  /** `{{tierName}}` → the member's tier; `{{tierName toTier}}` → any tier, localized. */
  tierName: helper('tierName', ([tier], _hash, context) => {
    const id = tier === undefined ? context.memberTier : text(tier, 'tier');
    if (id === context.memberTier && context.memberTierName) return context.memberTierName;
    return localizedTierName(id, context.locale);
  }),
  /**
   * The recipient's one-click unsubscribe link. Marketing messages must have one; transactional
   * ones fall back to the preferences page, or nothing.
   */
  unsubscribeUrl: helper('unsubscribeUrl', (_args, _hash, context) => {
    const link = context.links.unsubscribe ?? (context.kind === 'transactional' ? context.links.preferences : undefined);
    if (link === undefined) {
      if (context.kind === 'transactional') return '';
      throw new ValidationError('template_variable_missing', 'a marketing message needs links.unsubscribe', { missing: ['links.unsubscribe'] });
    }
    return safeUrl(link, 'links.unsubscribe');
  }),
};
