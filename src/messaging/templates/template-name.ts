import { CHANNELS, type Channel } from './types.js';

/**
 * Template file names: `<channel>[.<tier>][.<locale>].hbs` inside `templates/<message>/`.
 * With one suffix, a two-letter language (optionally with a region, `fa` / `fa-IR`) is a locale;
 * anything else is a tier. Tier ids therefore must not be two-letter codes.
 */

export const MESSAGE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const TIER_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
const SUFFIX_LOCALE_PATTERN = /^[a-z]{2}(?:-[A-Z]{2})?$/;

export interface TemplateName {
  channel: Channel;
  tier?: string;
  locale?: string;
}

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

export function formatTemplateFileName({ channel, tier, locale }: TemplateName): string {
  return [channel, tier, locale].filter((part): part is string => part !== undefined).join('.') + '.hbs';
}

/** Parses a file name; undefined when it does not follow the layout (such files are ignored). */
export function parseTemplateFileName(fileName: string): TemplateName | undefined {
  if (!fileName.endsWith('.hbs')) return undefined;
  const parts = fileName.slice(0, -'.hbs'.length).split('.');
  const [channel, first, second, ...rest] = parts;
  if (channel === undefined || !isChannel(channel) || rest.length > 0) return undefined;
  if (first === undefined) return { channel };
  if (second !== undefined) {
    return TIER_PATTERN.test(first) && SUFFIX_LOCALE_PATTERN.test(second) ? { channel, tier: first, locale: second } : undefined;
  }
  if (SUFFIX_LOCALE_PATTERN.test(first)) return { channel, locale: first };
  return TIER_PATTERN.test(first) ? { channel, tier: first } : undefined;
}

/** `<message>/<file name>`: the stable key a rendered message records and the cache uses. */
export function templateKey(message: string, fileName: string): string {
  return `${message}/${fileName}`;
}
