import type { z } from 'zod';
import { LaurelError, ValidationError } from '../errors/index.js';
import { findForbiddenText, forbiddenTextMessage } from './text-input.js';

export type InputPart = 'body' | 'query' | 'params' | 'headers';

/**
 * Validates a request part with zod. The error names the path of the first bad field and lists
 * every issue; nothing is written by a request that fails here. Control characters and unpaired
 * surrogates anywhere in the value are refused first, with the same code.
 *
 * 400 when the value breaks its schema's shape (types, formats, lengths, patterns: what the
 * OpenAPI document says); 422 with the same code when the shape is right and only a rule across
 * fields or values fails (a zod refinement: percents that must sum to 100, an unknown time zone).
 * A refinement the document states too (with `.meta()` keywords such as if/then or oneOf) marks
 * its issues `params: { shape: true }` and stays a 400.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart = 'body', code = 'invalid_request'): z.output<S> {
  const forbidden = findForbiddenText(value);
  if (forbidden) {
    const path = [part, ...forbidden.path].join('.');
    const message = forbiddenTextMessage(forbidden);
    throw new ValidationError(code, `${path}: ${message}`, { issues: [{ path, message }] });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [part, ...i.path].join('.'), message: i.message }));
  const first = issues[0]!;
  const onlyRules = result.error.issues.every((i) => i.code === 'custom' && (i.params as { shape?: boolean } | undefined)?.shape !== true);
  if (onlyRules) throw new LaurelError(code, `${first.path}: ${first.message}`, { status: 422, details: { issues } });
  throw new ValidationError(code, `${first.path}: ${first.message}`, { issues });
}
