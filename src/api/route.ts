import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal, Role } from '../auth/index.js';
import { LaurelError } from '../errors/index.js';
import { authorize } from './auth.js';
import { problemCodesOf, type ProblemCodes } from './problem-codes.js';
import { parseInput, type InputPart } from './validate.js';

/**
 * The one way to declare an HTTP route. A declaration names its zod schemas (params, query,
 * headers, body, each response) and the problem codes it may answer; from it come the runtime
 * validation (parseInput: 400 problem+json with the path of the bad field), the authorization,
 * and the route's part of the OpenAPI 3.1 document (src/api/openapi.ts). Nothing about a route
 * is written twice.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BodyType = string | { type: string; schema: z.ZodType };
export type ResponseStatus = 200 | 201 | 202 | 204 | 503;

/** A non-JSON response (HTML, NDJSON, text), or a JSON one with response headers. */
export interface ResponseSpec {
  contentType: string;
  /** Shape of the body (for text types: z.string()). Omitted: no body. */
  schema?: z.ZodType;
  /** Other media types the same status may answer with (a report as `text/csv`). */
  also?: Record<string, z.ZodType>;
  description?: string;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

/** A zod schema (an application/json body), a ResponseSpec, or null (no body). */
export type ResponseEntry = z.ZodType | ResponseSpec | null;
/**
 * Responses by status: the successes, and an error status whose body is not a problem (a 503 of
 * /readyz is a readiness report). Problems are declared in `problems`.
 */
export type Responses = Partial<Record<ResponseStatus, ResponseEntry>>;

export interface RouteAuth {
  /** Roles that may call; `member` means a member token. */
  roles: readonly Role[];
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler may return for a JSON schema: the wire shape, where a Date stands for a string. */
export type Wire<T> = T extends string
  ? string extends T
    ? string | Date
    : T
  : T extends readonly (infer U)[]
    ? readonly Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

type BodyOf<E> = E extends z.ZodType ? Wire<z.input<E>> : E extends null ? undefined | void : unknown;
type ReplyValue<R extends Responses> = { [K in keyof R]: BodyOf<R[K]> }[keyof R];

export interface HandlerInput<P, Q, B, H, Pr> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  headers: Out<H>;
  principal: Pr;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  H extends z.ZodType | undefined,
  R extends Responses,
  A extends RouteAuth | 'public',
> {
  method: HttpMethod;
  /** Fastify syntax (`/v1/members/:id`); the document shows `{id}`. */
  url: string;
  tags: readonly string[];
  summary: string;
  description?: string;
  /** Defaults to the method and the path in camel case (`putV1MembersId`). */
  operationId?: string;
  auth: A;
  /** The member the request acts for: a member token may act only for its own member (403 otherwise). */
  memberOf?: (input: { params: Out<P>; query: Out<Q>; body: Out<B> }) => string | undefined;
  params?: P;
  query?: Q;
  headers?: H;
  body?: B;
  /**
   * Validates the body with the same schema in the domain's own words (a program names
   * `tiers[2].threshold`, with semantic checks after the schema); control characters are refused before.
   */
  parseBody?: (value: unknown) => Out<B>;
  /** As parseBody, for the query. */
  parseQuery?: (value: unknown) => Out<Q>;
  /** The body may be omitted (handled as `{}` by the schema's defaults). */
  bodyOptional?: boolean;
  /**
   * The body stays a stream (an upload read by the handler from `request.body`): `body` and
   * `bodyTypes` only document it; nothing parses it.
   */
  streamBody?: boolean;
  /**
   * Media types the body may come in; default application/json (others need a parser on the app).
   * `{type, schema}` documents a type whose body has another shape (CSV text beside JSON).
   */
  bodyTypes?: readonly BodyType[];
  bodyLimit?: number;
  /**
   * Checks on the raw request that answer with another status than 400 (a batch over its size is
   * 413), run after authorization and before the schemas.
   */
  precheck?: (request: FastifyRequest) => void;
  /** The problem code of a bad part; default invalid_request. */
  inputCodes?: Partial<Record<InputPart, string>>;
  /** Success responses by status. The handler's result is sent with the lowest one unless it sets reply.code(). */
  responses: R;
  /**
   * Problem codes the route may answer beyond those every route of its kind answers (400 for its
   * inputs, 401/403 when authenticated, 413/415 with a body, 429, 503): see problem-codes.ts.
   */
  problems?: ProblemCodes;
  handler: (input: HandlerInput<P, Q, B, H, A extends 'public' ? Principal | undefined : Principal>) => Promise<ReplyValue<R>>;
}

/** A declared route as the document builder and the contract checks see it. */
export interface RouteContract {
  method: HttpMethod;
  url: string;
  tags: readonly string[];
  summary: string;
  description: string | undefined;
  operationId: string;
  roles: readonly Role[] | 'public';
  params: z.ZodType | undefined;
  query: z.ZodType | undefined;
  headers: z.ZodType | undefined;
  body: z.ZodType | undefined;
  bodyOptional: boolean;
  bodyTypes: readonly BodyType[];
  responses: Responses;
  /** Every problem code the route may answer, by status: its own and those of its kind. */
  problems: ProblemCodes;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    contract?: RouteContract;
  }
}

function operationIdOf(method: HttpMethod, url: string): string {
  const words = url
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/^:/, 'by-'))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export function lowestSuccessStatus(responses: Responses): ResponseStatus {
  const statuses = Object.keys(responses)
    .map(Number)
    .filter((s) => s < 300)
    .sort((a, b) => a - b);
  // A route that only ever answers problems (a catch-all naming what exists) has no success status.
  return (statuses[0] ?? 200) as ResponseStatus;
}

/** Declares a route on the app: validation, authorization, handler, and its contract. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
  R extends Responses = Responses,
  A extends RouteAuth | 'public' = 'public',
>(app: FastifyInstance, spec: RouteSpec<P, Q, B, H, R, A>): RouteContract {
  const codes = spec.inputCodes ?? {};
  const contract: RouteContract = {
    method: spec.method,
    url: spec.url,
    tags: spec.tags,
    summary: spec.summary,
    description: spec.description,
    operationId: spec.operationId ?? operationIdOf(spec.method, spec.url),
    roles: spec.auth === 'public' ? 'public' : spec.auth.roles,
    params: spec.params,
    query: spec.query,
    headers: spec.headers,
    body: spec.body,
    bodyOptional: spec.bodyOptional ?? false,
    bodyTypes: spec.bodyTypes ?? ['application/json'],
    responses: spec.responses,
    problems: problemCodesOf(spec),
  };
  const defaultStatus = lowestSuccessStatus(spec.responses);
  const auth = spec.auth;

  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    config: { contract },
    // The document comes from the contract (src/api/openapi.ts), not from @fastify/swagger.
    schema: { hide: true },
    handler: async (request, reply) => {
      // Who before what: a caller without the role learns nothing about the shape of the input.
      if (auth !== 'public') authorize(request, auth.roles);
      spec.precheck?.(request);
      const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, part: InputPart): Out<S> =>
        (schema ? parseInput(schema, value, part, codes[part] ?? 'invalid_request') : undefined) as Out<S>;
      const params = parse(spec.params, request.params, 'params') as Out<P>;
      const query = (spec.parseQuery ? spec.parseQuery(parse(z.unknown(), request.query, 'query')) : parse(spec.query, request.query, 'query')) as Out<Q>;
      const headers = parse(spec.headers, request.headers, 'headers') as Out<H>;
      const rawBody = request.body === undefined && contract.bodyOptional ? {} : request.body;
      const body = (spec.streamBody ? undefined : spec.parseBody ? spec.parseBody(parse(z.unknown(), rawBody, 'body')) : parse(spec.body, rawBody, 'body')) as Out<B>;
      let principal = request.principal;
      if (auth !== 'public' && spec.memberOf) {
        const memberId = spec.memberOf({ params, query, body });
        principal = authorize(request, auth.roles, memberId === undefined ? {} : { memberId });
      }
      reply.code(defaultStatus);
      const result = await spec.handler({ params, query, body, headers, principal: principal as never, request, reply });
      // A handler that sent the reply itself (a stream) returns it; awaiting a reply (a thenable) gives undefined.
      if (result === undefined) return reply.sent ? reply : reply.send();
      return result;
    },
  });
  return contract;
}

/** Thrown under API_CONTRACT_CHECK=strict when a route answers outside its declaration. */
export class ContractViolation extends LaurelError {
  constructor(message: string) {
    super('contract_violation', message, { status: 500 });
  }
}
