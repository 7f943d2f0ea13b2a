import type { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/**
 * Validates a request part with zod. The error names the path of the first bad field and lists
 * every issue; nothing is written by a request that fails here.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'params' = 'body', code = 'invalid_request'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [part, ...i.path].join('.'), message: i.message }));
  const first = issues[0]!;
  throw new ValidationError(code, `${first.path}: ${first.message}`, { issues });
}
