import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { ValidationError } from '../errors/index.js';

/**
 * Text that cannot be stored or shown safely is refused at the boundary, before any schema runs:
 * NUL (PostgreSQL refuses it in text and jsonb: a 500 instead of a 400), the other C0 controls
 * except tab, line feed and carriage return, DEL, the C1 controls, and unpaired UTF-16 surrogates
 * (jsonb refuses them, and they are not text in any encoding). Object keys are checked too.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const MAX_WALK_DEPTH = 64;

export interface ForbiddenText {
  path: (string | number)[];
  /** The offending code unit, as U+XXXX. */
  character: string;
}

function describe(text: string): string | undefined {
  const match = FORBIDDEN.exec(text);
  if (!match) return undefined;
  return `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first string (or object key) in `value` holding a forbidden character, with its path. */
export function findForbiddenText(value: unknown, path: (string | number)[] = [], depth = 0): ForbiddenText | undefined {
  if (typeof value === 'string') {
    const character = describe(value);
    return character ? { path, character } : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > MAX_WALK_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenText(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const inKey = describe(key);
    if (inKey) return { path: [...path, key], character: inKey };
    const found = findForbiddenText(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function forbiddenTextMessage(found: ForbiddenText): string {
  return `must not contain control characters or unpaired surrogates (found ${found.character})`;
}

/**
 * A pass-through for a streamed text body (an import upload) that fails with a 400 naming the
 * line when the text holds a character parseInput refuses elsewhere. Decoded as UTF-8 across chunk
 * boundaries; memory stays one chunk.
 */
export function refuseForbiddenTextStream(): Transform {
  const decoder = new StringDecoder('utf8');
  let line = 1;
  const check = (text: string): ValidationError | undefined => {
    const match = FORBIDDEN.exec(text);
    if (!match) {
      line += countLines(text);
      return undefined;
    }
    const at = line + countLines(text.slice(0, match.index));
    const character = `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return new ValidationError('invalid_request', `body: line ${at} ${forbiddenTextMessage({ path: [], character })}`, { line: at });
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const error = check(decoder.write(chunk));
      if (error) done(error);
      else done(null, chunk);
    },
    flush(done) {
      done(check(decoder.end()) ?? null);
    },
  });
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
