// Worker thread of ./parallel.ts: derives pids and hashes Merkle subtrees over shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import { FrozenEntries, PID_BYTES } from './entries.js';
import { entriesRangeRoot } from './merkle.js';
import { FastHmacSha256 } from './sha256-fast.js';

export type ParallelTask =
  | { kind: 'pids'; key: Uint8Array; ids: SharedArrayBuffer; offsets: SharedArrayBuffer; out: SharedArrayBuffer; from: number; to: number }
  | { kind: 'subtree'; pids: SharedArrayBuffer; starts: SharedArrayBuffer; count: number; total: bigint; from: number; to: number };

function run(task: ParallelTask): Uint8Array | null {
  if (task.kind === 'pids') {
    const mac = new FastHmacSha256(task.key);
    const ids = new Uint8Array(task.ids);
    const offsets = new Float64Array(task.offsets);
    const out = new Uint8Array(task.out);
    for (let i = task.from; i < task.to; i++) mac.macInto(ids, offsets[i]!, offsets[i + 1]! - offsets[i]!, out, i * PID_BYTES);
    return null;
  }
  const entries = new FrozenEntries(Buffer.from(task.pids), new BigUint64Array(task.starts), task.count, task.total);
  return new Uint8Array(entriesRangeRoot(entries, task.from, task.to));
}

if (parentPort && workerData === 'laurel-draws') {
  const port = parentPort;
  port.on('message', (msg: { id: number; task: ParallelTask }) => {
    try {
      port.postMessage({ id: msg.id, result: run(msg.task) });
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
