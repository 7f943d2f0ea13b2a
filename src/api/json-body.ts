import type { FastifyInstance } from 'fastify';
import { LaurelError } from '../errors/index.js';

/**
 * The deepest nesting of arrays and objects in a JSON text, without parsing it (a linear scan that
 * skips strings). Stops counting once past `limit`: a hostile body of a million `[` costs one pass.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON bodies: at most `maxDepth` levels of nesting (400 json_too_deep, before parsing: deep
 * nesting costs stack in every walker of the value), and no `__proto__` or `constructor.prototype`
 * keys (400 forbidden_key: they pollute prototypes in careless consumers; no Laurel schema names them).
 */
export function registerJsonBodies(app: FastifyInstance, maxDepth: number): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepth(text, maxDepth) > maxDepth) {
      done(new LaurelError('json_too_deep', `the JSON body nests arrays and objects deeper than ${maxDepth} levels`, { status: 400, details: { maxDepth } }), undefined);
      return;
    }
    // The default parser is callback-style (it returns nothing to await).
    void secureParse(request, text, (err, value) => {
      if (err && isPlainJson(text)) {
        // Valid JSON the secure parser refused: it holds a prototype-poisoning key.
        done(new LaurelError('forbidden_key', 'the JSON body holds a "__proto__" or "constructor.prototype" key; such keys are refused', { status: 400 }), undefined);
      } else done(err, value);
    });
  });
}
