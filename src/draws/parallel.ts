import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EntryInput , FrozenEntries} from './entries.js';
import { freezeFromPids, PID_BYTES, toWeight } from './entries.js';
import { merkleRoot } from './merkle.js';
import type { ParallelTask } from './parallel-worker.js';

/**
 * The two heavy phases of a freeze at scale — pid HMACs and leaf hashing — spread over worker
 * threads. Same bytes as freezeEntries / entriesRoot (the tests compare them); only the work is
 * split: pids by member range into shared memory, the Merkle tree by aligned power-of-two
 * subtrees whose roots combine under the same MTH rule (every split of a tree wider than a
 * chunk falls on a chunk boundary).
 */
export class DrawWorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (v: Uint8Array | null) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(readonly size = Math.max(1, availableParallelism())) {
    // The sources run as TypeScript through tsx, which a worker thread must register itself.
    const url = new URL('./parallel-worker-entry.mjs', import.meta.url);
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(url, { workerData: 'laurel-draws' });
      worker.on('message', (msg: { id: number; result?: Uint8Array | null; error?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.result ?? null);
      });
      const fail = (err: Error) => {
        this.failure ??= err;
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`a draws worker thread exited (code ${code})`)));
      return worker;
    });
  }

  private run(task: ParallelTask, worker: number): Promise<Uint8Array | null> {
    const id = this.nextId++;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker % this.workers.length]!.postMessage({ id, task });
    });
  }

  /** Runs tasks, each worker taking the next one when free. */
  async runAll(tasks: readonly ParallelTask[]): Promise<(Uint8Array | null)[]> {
    const results: (Uint8Array | null)[] = new Array<Uint8Array | null>(tasks.length);
    let next = 0;
    await Promise.all(
      this.workers.map(async (_, w) => {
        while (next < tasks.length) {
          const i = next++;
          results[i] = await this.run(tasks[i]!, w);
        }
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the draws worker pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * freezeEntriesIndexed with the pid HMACs in worker threads. Member ids are UTF-8 encoded once
 * into shared memory; entries and starts land in shared memory, ready for entriesRootParallel.
 */
export async function freezeEntriesParallel(pool: DrawWorkerPool, drawKey: Uint8Array, members: Iterable<EntryInput>, expectedCount = 1024): Promise<{ entries: FrozenEntries; source: Uint32Array }> {
  let capacity = Math.max(16, expectedCount);
  let idBytes = new Uint8Array(new SharedArrayBuffer(capacity * 16));
  let offsets = new Float64Array(new SharedArrayBuffer((capacity + 1) * 8));
  let weights = new BigUint64Array(capacity);
  let origin = new Uint32Array(capacity);
  let idBuffer = Buffer.from(idBytes.buffer);
  let used = 0;
  let n = 0;
  let index = -1;
  for (const m of members) {
    index++;
    const w = toWeight(m.memberId, m.weight);
    if (w === 0n) continue;
    if (n === capacity) {
      capacity *= 2;
      const o = new Float64Array(new SharedArrayBuffer((capacity + 1) * 8));
      o.set(offsets.subarray(0, n + 1));
      offsets = o;
      const ws = new BigUint64Array(capacity);
      ws.set(weights);
      weights = ws;
      const og = new Uint32Array(capacity);
      og.set(origin);
      origin = og;
    }
    if (used + m.memberId.length * 3 > idBytes.length) {
      const grown = new Uint8Array(new SharedArrayBuffer(Math.max(idBytes.length * 2, used + m.memberId.length * 3 + 1024)));
      grown.set(idBytes.subarray(0, used));
      idBytes = grown;
      idBuffer = Buffer.from(idBytes.buffer);
    }
    used += idBuffer.write(m.memberId, used, 'utf8');
    offsets[n + 1] = used;
    weights[n] = w;
    origin[n] = index;
    n++;
  }
  const pids = new SharedArrayBuffer(Math.max(1, n * PID_BYTES));
  const chunk = Math.ceil(n / (pool.size * 4)) || 1;
  const tasks: ParallelTask[] = [];
  for (let from = 0; from < n; from += chunk) {
    tasks.push({ kind: 'pids', key: new Uint8Array(drawKey), ids: idBytes.buffer as SharedArrayBuffer, offsets: offsets.buffer as SharedArrayBuffer, out: pids, from, to: Math.min(n, from + chunk) });
  }
  await pool.runAll(tasks);
  const { entries, order } = freezeFromPids(Buffer.from(pids, 0, n * PID_BYTES), weights, n, true);
  const source = new Uint32Array(n);
  for (let j = 0; j < n; j++) source[j] = origin[order[j]!]!;
  return { entries, source };
}

/** entriesRoot over worker threads; entries held in shared memory (freezeEntriesParallel) are not copied. */
export async function entriesRootParallel(pool: DrawWorkerPool, entries: FrozenEntries): Promise<Buffer> {
  const n = entries.count;
  // Aligned chunks of 2^m leaves, at least ~4 per worker; small inputs are one chunk.
  let chunk = 1 << 16;
  while (chunk * pool.size * 4 < n) chunk *= 2;
  const shared = <T extends ArrayBufferView>(view: T, make: (sab: SharedArrayBuffer) => T): T => {
    if (view.buffer instanceof SharedArrayBuffer && view.byteOffset === 0) return view;
    const copy = make(new SharedArrayBuffer(Math.max(8, view.byteLength)));
    new Uint8Array(copy.buffer).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return copy;
  };
  const pids = shared(entries.pids, (sab) => Buffer.from(sab) as Buffer);
  const starts = shared(entries.starts, (sab) => new BigUint64Array(sab));
  const tasks: ParallelTask[] = [];
  for (let from = 0; from < n; from += chunk) {
    tasks.push({ kind: 'subtree', pids: pids.buffer as SharedArrayBuffer, starts: starts.buffer as SharedArrayBuffer, count: n, total: entries.total, from, to: Math.min(n, from + chunk) });
  }
  const roots = await pool.runAll(tasks);
  return merkleRoot(roots.map((r) => r!));
}
