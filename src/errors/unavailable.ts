/*
 * Errors that mean "a service did not answer", not "this request is wrong": the API answers them
 * with 503 service_unavailable and Retry-After (clients retry with the same idempotency key), and
 * recovers by itself when the service is back (pg's pool and ioredis reconnect on their own).
 */

// Node's socket errors, and what pg and ioredis say when a connection dies or cannot be made.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
const SQLSTATES = /^(08\d{3}|57P0[1-3]|53300)$/;
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|Reached the max retries per request|read ECONNRESET|write EPIPE/;

/** Which service an unavailability error came from, or undefined when it is not one. */
export function unavailableService(err: unknown): 'postgres' | 'redis' | 'service' | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const matched = (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATES.test(code))) || MESSAGES.test(e.message);
    if (!matched) continue;
    const stack = e.stack ?? '';
    if (/ioredis|Redis/.test(stack) || /Reached the max retries|Connection is closed/.test(e.message)) return 'redis';
    if (/[/\\]pg(-pool)?[/\\]/.test(stack) || (typeof code === 'string' && SQLSTATES.test(code)) || /Connection terminated|trying to connect|Client has encountered/.test(e.message)) return 'postgres';
    return 'service';
  }
  return undefined;
}
