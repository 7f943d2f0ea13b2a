import { createHash } from 'node:crypto';

const recentHashes = new Map<string, string>();

/** sha-256 of the content; memoized, since the same template strings are hashed on every render. */
export function contentHash(content: string): string {
  let hash = recentHashes.get(content);
  if (hash === undefined) {
    hash = createHash('sha256').update(content).digest('hex').slice(0, 32);
    if (recentHashes.size >= 1000) recentHashes.clear();
    recentHashes.set(content, hash);
  }
  return hash;
}

/**
 * Compiled templates keyed by template key + content hash, least recently used evicted first.
 * An edited template gets a new hash, so stale compilations are never served.
 */
export class TemplateCache<T = unknown> {
  private readonly entries = new Map<string, T>();
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries = 2000) {}

  getOrCreate(key: string, create: () => T): T {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing;
    }
    this.misses++;
    const created = create();
    this.entries.set(key, created);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return created;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
