import type { InputPart } from './validate.js';

/** Problem codes a route may answer, by HTTP status. */
export type ProblemCodes = { readonly [status: number]: readonly string[] };

/**
 * Codes every route of a kind answers, so no declaration repeats them:
 * - any route: 400 malformed_request (a URL or request Fastify cannot read), 429 rate_limited,
 *   503 service_unavailable (PostgreSQL, Redis or Temporal unreachable);
 * - an authenticated route: 401 unauthorized, 403 forbidden;
 * - a route with inputs: 400 and 422 with the code of each part (invalid_request unless the route
 *   names one);
 * - a route with a body: 400 malformed_json, json_too_deep, forbidden_key, 413 body_too_large, 415 unsupported_media_type.
 */
export const EVERY_ROUTE: ProblemCodes = { 400: ['malformed_request'], 429: ['rate_limited'], 503: ['service_unavailable'] };
export const AUTHENTICATED: ProblemCodes = { 401: ['unauthorized'], 403: ['forbidden'] };
export const WITH_BODY: ProblemCodes = { 400: ['malformed_json', 'json_too_deep', 'forbidden_key'], 413: ['body_too_large'], 415: ['unsupported_media_type'] };

export function mergeProblemCodes(...sets: ProblemCodes[]): ProblemCodes {
  const merged: Record<number, string[]> = {};
  for (const set of sets) {
    for (const [status, codes] of Object.entries(set)) {
      const list = (merged[Number(status)] ??= []);
      for (const code of codes) if (!list.includes(code)) list.push(code);
    }
  }
  return merged;
}

interface ProblemSource {
  auth: unknown;
  params?: unknown;
  query?: unknown;
  headers?: unknown;
  body?: unknown;
  inputCodes?: Partial<Record<InputPart, string>>;
  problems?: ProblemCodes;
}

/** Every problem code a declared route may answer: its own and those of its kind. */
export function problemCodesOf(spec: ProblemSource): ProblemCodes {
  const parts = (['params', 'query', 'headers', 'body'] as const).filter((part) => spec[part] !== undefined);
  const partCodes = parts.map((part) => spec.inputCodes?.[part] ?? 'invalid_request');
  // 400: the shape is wrong; 422: the shape is right and a rule across fields fails (validate.ts).
  const inputs: ProblemCodes = parts.length > 0 ? { 400: partCodes, 422: partCodes } : {};
  return mergeProblemCodes(EVERY_ROUTE, spec.auth === 'public' ? {} : AUTHENTICATED, inputs, spec.body !== undefined ? WITH_BODY : {}, spec.problems ?? {});
}

export function declaresProblem(codes: ProblemCodes, status: number, code: string): boolean {
  return codes[status]?.includes(code) ?? false;
}
