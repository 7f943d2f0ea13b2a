import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { LaurelError } from '../errors/index.js';
import type { DrawFiles } from './build.js';

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

export async function writeLeavesFile(path: string, chunks: Iterable<Buffer>, gzip = path.endsWith('.gz')): Promise<void> {
  const source = Readable.from(chunks, { objectMode: false });
  if (gzip) await pipeline(source, createGzip({ level: 6 }), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
}

/** Writes `draw.json` and `leaves.ndjson[.gz]` into dir; returns their paths. */
export async function writeDrawFiles(dir: string, files: DrawFiles, options: { gzip?: boolean } = {}): Promise<{ recordPath: string; leavesPath: string }> {
  const recordPath = join(dir, 'draw.json');
  const leavesPath = join(dir, options.gzip ? 'leaves.ndjson.gz' : 'leaves.ndjson');
  await writeLeavesFile(leavesPath, files.leaves(), options.gzip ?? false);
  await writeFile(recordPath, `${JSON.stringify(files.record, null, 2)}\n`);
  return { recordPath, leavesPath };
}
