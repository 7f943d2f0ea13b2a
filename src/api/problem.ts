import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LaurelError, unavailableService } from '../errors/index.js';

/** RFC 9457 problem details. `code` is Laurel's stable, machine-readable error code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The members RFC 9457 and Laurel define; an extension (an error's details) never replaces them. */
const RESERVED_MEMBERS = new Set(['type', 'title', 'status', 'code', 'detail']);

/**
 * A problem document. `extra` adds extension members (an error's details, `instance`); one named
 * like a defined member is dropped, so the status and the stable `code` clients branch on are
 * always the ones given here, whatever details an error carries.
 */
export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  const extensions = Object.fromEntries(Object.entries(extra).filter(([key]) => !RESERVED_MEMBERS.has(key)));
  return { type: `https://laurel.dev/problems/${code}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extensions };
}

/** Maps Fastify's own errors (body parsing, content type, size) onto stable codes. */
function fromFastifyError(err: FastifyError): Problem | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'body_too_large', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'malformed_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'malformed_json', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'malformed_request', 'the content length does not match the body');
    default:
      break;
  }
  if (err.statusCode === 400 && err instanceof SyntaxError) return problem(400, 'malformed_json', `the body is not valid JSON: ${err.message}`);
  if (err.validation) return problem(400, 'invalid_request', err.message, { issues: err.validation });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return problem(err.statusCode, 'bad_request', err.message);
  return undefined;
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof LaurelError) {
    return sendProblem(reply, problem(err.status, err.code, err.message, { ...(err.details ?? {}), instance: request.url }));
  }
  const mapped = fromFastifyError(err);
  if (mapped) return sendProblem(reply, { ...mapped, instance: request.url });
  const service = unavailableService(err);
  if (service) {
    request.log.warn({ err: { message: err.message, code: err.code } }, `${service} unavailable`);
    const name = { postgres: 'PostgreSQL', redis: 'Redis', service: 'a service Laurel needs' }[service];
    const detail = `${name} did not answer; retry with the same idempotency key (a write that did happen is answered as a replay)`;
    return sendProblem(reply.header('retry-after', '5'), problem(503, 'service_unavailable', detail, { service, instance: request.url }));
  }
  request.log.error({ err }, 'unhandled error');
  return sendProblem(reply, problem(500, 'internal_error', 'an unexpected error occurred; it has been logged', { instance: request.url }));
}
