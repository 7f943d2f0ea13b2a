/** Every BullMQ queue Laurel uses. Prefixes isolate deployments (and test files) on one Redis. */
export const QUEUES = {
  delivery: 'delivery',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * BullMQ job ids: deterministic (a retry or replay of the same business fact yields the same id),
 * never all digits (BullMQ rejects those) and without ':' (BullMQ's docs advise against it).
 */
export function jobId(...parts: (string | number)[]): string {
  const id = parts.map((p) => String(p).replace(/:/g, '_')).join('.');
  return /^\d+$/.test(id) ? `j${id}` : id;
}
