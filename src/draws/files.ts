import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { LaurelError } from '../errors/index.js';
import { createHash } from 'node:crypto';
import type { DrawFilesInput } from './build.js';
import { buildDrawFiles } from './build.js';
import type { FrozenEntries } from './entries.js';
import { serializeLeaves } from './leaves-file.js';
import type { DrawAuditRecord } from './record.js';

/** The I/O edge of the draws module: reading and writing the two published files. */

/** A leaves file as a stream of its uncompressed bytes (`.gz` is inflated on the fly). */
export function openLeavesStream(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!path.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new LaurelError('file_unreadable', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new LaurelError('record_malformed', `${what} ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes the leaves file and returns the SHA-256 (hex) of its uncompressed bytes. */
export async function writeLeavesFile(path: string, entries: FrozenEntries, gzip = path.endsWith('.gz')): Promise<string> {
  const hash = createHash('sha256');
  const hashed = function* (): Generator<Buffer> {
    for (const chunk of serializeLeaves(entries, 16384)) {
      hash.update(chunk);
      yield chunk;
    }
  };
  const source = Readable.from(hashed(), { objectMode: false });
  if (gzip) await pipeline(source, createGzip({ level: 6 }), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
  return hash.digest('hex');
}

/**
 * Writes `leaves.ndjson[.gz]` (hashing it on the way) and then `draw.json` into dir: one pass
 * over the entries instead of one to hash and one to write.
 */
export async function writeDrawFiles(
  dir: string,
  input: Omit<DrawFilesInput, 'leavesSha256'>,
  options: { gzip?: boolean } = {},
): Promise<{ record: DrawAuditRecord; recordPath: string; leavesPath: string }> {
  const recordPath = join(dir, 'draw.json');
  const leavesPath = join(dir, options.gzip ? 'leaves.ndjson.gz' : 'leaves.ndjson');
  const leavesSha256 = await writeLeavesFile(leavesPath, input.entries, options.gzip ?? false);
  const { record } = buildDrawFiles({ ...input, leavesSha256 });
  await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  return { record, recordPath, leavesPath };
}
