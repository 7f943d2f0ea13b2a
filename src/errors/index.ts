export { LaurelError, ValidationError, NotFoundError, ConflictError, ServiceError } from './laurel-error.js';
export { unavailableService } from './unavailable.js';
import { LaurelError } from './laurel-error.js';

/** One line naming the problem, for the CLI and logs. Never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof LaurelError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
