import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../src/shared/i18n/catalogue.js';

/** Every message of the catalogue has both languages (fa in Persian), the same placeholders, and no key twice. */
const dir = new URL('../../src/shared/i18n/messages/', import.meta.url);
const modules = await Promise.all(
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map(async (f) => [f, (await import(new URL(f, dir).href)) as Record<string, Catalogue>] as const),
);

/** Entries whose Persian text is rightly without Persian letters. */
const NOT_PERSIAN = new Set(['locale.switch', 'templates.preview.tier']);

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  it('has en and fa for every key, with the same placeholders', () => {
    const seen = new Map<string, string>();
    for (const [file, mod] of modules) {
      for (const catalogue of Object.values(mod)) {
        for (const [key, entry] of Object.entries(catalogue)) {
          expect(seen.has(key), `${key} in ${file} and ${seen.get(key)}`).toBe(false);
          seen.set(key, file);
          expect(entry.en.trim(), key).not.toBe('');
          expect(entry.fa.trim(), key).not.toBe('');
          expect(placeholders(entry.fa), key).toEqual(placeholders(entry.en));
          // An English text copied into fa is a missing translation.
          if (!NOT_PERSIAN.has(key)) expect(entry.fa, `${key}: fa has no Persian letters`).toMatch(/[\u0600-\u06FF]/);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
  });
});
