export interface CoalescerOptions<In> {
  /** Most items per call of `run`. */
  maxBatch?: number;
  /**
   * Items with equal keys never share a call: a later one waits for the next call (two attempts
   * on one send record must not race inside one statement, where Postgres would pick a winner
   * silently).
   */
  key?: (item: In) => string;
  /** Calls of `run` at once (default 1); more shortens the wait of a request that just missed a call. */
  maxInFlight?: number;
}

/**
 * Turns one-item requests from concurrent callers into batched calls of `run`, at most
 * `maxInFlight` calls at a time: while they run, new requests queue and go out together next. At
 * low load a request goes out alone (after the current event-loop turn); under load the batch
 * grows with the queue, so the number of round trips falls as the concurrency rises.
 * `run` answers with one result per item, in order; if it throws, every item of that call fails.
 */
export function createCoalescer<In, Out>(run: (items: readonly In[]) => Promise<readonly Out[]>, options: CoalescerOptions<In> = {}): (item: In) => Promise<Out> {
  const maxBatch = options.maxBatch ?? 100;
  const key = options.key;
  const maxInFlight = options.maxInFlight ?? 1;
  let queue: { item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  let running = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (running >= maxInFlight || scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  };

  function flush(): void {
    scheduled = false;
    if (running >= maxInFlight || queue.length === 0) return;
    const batch: typeof queue = [];
    const rest: typeof queue = [];
    const keys = new Set<string>();
    for (const entry of queue) {
      const k = key?.(entry.item);
      if (batch.length >= maxBatch || (k !== undefined && keys.has(k))) {
        rest.push(entry);
        continue;
      }
      if (k !== undefined) keys.add(k);
      batch.push(entry);
    }
    queue = rest;
    running++;
    schedule();
    void run(batch.map((entry) => entry.item)).then(
      (results) => {
        batch.forEach((entry, i) => {
          if (i < results.length) entry.resolve(results[i] as Out);
          else entry.reject(new Error('coalesced call returned fewer results than items'));
        });
      },
      (err: unknown) => {
        for (const entry of batch) entry.reject(err);
      },
    ).finally(() => {
      running--;
      schedule();
    });
  }

  return (item: In) =>
    new Promise<Out>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      schedule();
    });
}
