/**
 * The one error type the domain throws on purpose. `code` is stable and part of the public
 * contract (problem+json `code`, CLI message); `status` is the HTTP status the API answers with.
 */
export class LaurelError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LaurelError';
    this.code = code;
    this.status = options.status ?? 400;
    this.details = options.details;
  }
}

/** Bad input from a caller: nothing was written. */
export class ValidationError extends LaurelError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 400, ...(details ? { details } : {}) });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends LaurelError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 404, ...(details ? { details } : {}) });
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends LaurelError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 409, ...(details ? { details } : {}) });
    this.name = 'ConflictError';
  }
}

/** A service Laurel depends on (Postgres, Redis, Temporal, SMTP, a binary) is missing or unreachable. */
export class ServiceError extends LaurelError {
  readonly service: string;
  constructor(service: string, message: string, options: { cause?: unknown } = {}) {
    super('service_unavailable', `${service}: ${message}`, { status: 503, ...options });
    this.name = 'ServiceError';
    this.service = service;
  }
}
