import type { EventResult } from './core/index.js';

const texts = new WeakMap<object, string>();

/**
 * An event result's JSON text, built once: the ledger write stores it (events.result) and the API
 * answers with the same text, instead of stringifying ~1 KB per event twice. A result is never
 * changed once decided (a replay answers with a new object), so the text stays its own.
 */
export function resultJson(result: EventResult | object): string {
  let text = texts.get(result);
  if (text === undefined) {
    text = JSON.stringify(result);
    texts.set(result, text);
  }
  return text;
}
