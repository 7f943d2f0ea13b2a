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

/**
 * Bad input from a caller: nothing was written. 400 when the input breaks its documented shape;
 * 422 when the shape is right and a rule the schema cannot state fails (see src/api/validate.ts).
 */
export class ValidationError extends LaurelError {
  constructor(code: string, message: string, details?: Record<string, unknown>, status: 400 | 422 = 400) {
    super(code, message, { status, ...(details ? { details } : {}) });
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
