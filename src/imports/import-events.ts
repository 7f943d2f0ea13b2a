import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Pool } from '../db/index.js';
import { LaurelError } from '../errors/index.js';
import { EventInputSchema, eventFingerprint, idempotencyKeyOf, ingestHistoric, type EventInput } from '../ledger/index.js';
import type { EventOutcome } from '../ledger/core/index.js';
import { readRecords, type ImportFormat } from './read-records.js';
import { addBad, emptyReport, type BadLine, type ImportProgress, type ImportReport } from './report.js';

/** Events decided and written together: one read, one decision, one statement per chunk. */
export const IMPORT_CHUNK = 1000;

export interface ImportOptions {
  format: ImportFormat;
  /** Import the good lines and report the bad ones; without it, a file with a bad line imports nothing. */
  skipBad?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Every bad line as it is found (the report keeps the first 1,000). */
  onBad?: (bad: BadLine) => void;
  /** The instant the import decides as of (default: when it starts); fixed for the whole run. */
  now?: Date;
  chunk?: number;
}

/** A CSV cell is text: amounts become integers here, and the rest is checked by the event schema. */
/** The columns every event line needs: a CSV header without them is refused before any line. */
const EVENT_COLUMNS_REQUIRED = ['memberId', 'type'] as const;

const CsvEventSchema = z.preprocess((raw) => {
  const fields = { ...(raw as Record<string, unknown>) };
  if (typeof fields.amount === 'string' && /^-?\d+$/.test(fields.amount)) fields.amount = Number(fields.amount);
  return fields;
}, EventInputSchema);

/**
 * Historic events from a file, streamed: nothing is held beyond one chunk, so memory stays flat
 * for any number of lines. Each event goes through the same decision as a live one, as of the
 * import's instant, with its `occurredAt` (required here) deciding its rules, limits, return window
 * and expiry. Historic events announce nothing: no member-event job, so no mission, contest or
 * message follows from them, and a tier they earn is recorded as `historic_upgrade`.
 *
 * Idempotent: an event's key is its `idempotencyKey`, else the natural key (purchase: member and
 * order; refund: member, order and refund id), else `import:<fingerprint of the event>`; a second
 * run finds every key taken and writes nothing.
 *
 * Without `skipBad`, `open()` is read twice: first to check every line (fields, member, event
 * type) without writing, then — only when all are good — to import. A line that only the decision
 * can refuse (a refund of an order the member never bought) stops the import there: the chunks
 * before it are written, and a rerun after the fix carries on where it stopped.
 */
export async function importEvents(pool: Pool, open: () => Readable, options: ImportOptions): Promise<ImportReport> {
  const now = options.now ?? new Date();
  const chunkSize = options.chunk ?? IMPORT_CHUNK;
  if (!options.skipBad) {
    const check = await eventPass(pool, open(), options, chunkSize, now, 'checking');
    if (check.badCount > 0) return { ...check, imported: 0, unchanged: 0, stopped: true, stoppedAtLine: check.bad[0]!.line };
  }
  return await eventPass(pool, open(), options, chunkSize, now, options.skipBad ? 'importing' : 'importing-strict');
}

type Pass = 'checking' | 'importing' | 'importing-strict';

/** Refusals the checking pass cannot judge: it writes nothing, so a refund does not see its purchase a chunk earlier. */
const DEPENDS_ON_EARLIER_LINES = new Set(['unknown_order', 'refund_exceeds_order']);

async function eventPass(pool: Pool, input: Readable, options: ImportOptions, chunkSize: number, now: Date, pass: Pass): Promise<ImportReport> {
  const { format, onProgress } = options;
  const report = emptyReport('events');
  const bad = (line: BadLine) => addBad(report, line, options.onBad);
  let chunk: { line: number; event: EventInput; key: string }[] = [];
  const progress = () => onProgress?.({ lines: report.lines, imported: report.imported, unchanged: report.unchanged, badCount: report.badCount, phase: pass === 'checking' ? 'checking' : 'importing' });

  // Chunks overlap: while one chunk is written by PostgreSQL, the next is read from the file and
  // decided here, so both cores work. The next chunk goes ahead only for members the chunk in
  // flight does not touch; its events of those members wait until that chunk is written (a refund
  // must see its purchase of the chunk before). A strict import (no skipBad) stops at the first
  // chunk the decision refuses and writes nothing after it, so it runs one chunk at a time.
  const overlap = pass !== 'importing-strict';
  let inFlight: InFlightChunk | null = null;

  /** Reports what a chunk's events came to; false when a strict import must stop here. */
  const settle = async (done: InFlightChunk): Promise<boolean> => {
    const outcomes = await done.outcomes;
    const lines = done.lines;
    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [{ line: lines[i]!, error: o.error }]));
    if (pass === 'importing-strict' && failed.length > 0) {
      // Nothing of this chunk was written: report its bad lines and stop here.
      for (const f of failed) bad(badLine(f.line, f.error));
      report.stopped = true;
      report.stoppedAtLine = failed[0]!.line;
      return false;
    }
    outcomes.forEach((o, i) => {
      // What an earlier line of the file may make right (its purchase) is judged by the import pass.
      if (!o.ok && pass === 'checking' && o.error instanceof LaurelError && DEPENDS_ON_EARLIER_LINES.has(o.error.code)) return;
      if (!o.ok) bad(badLine(lines[i]!, o.error));
      else if (pass !== 'checking') {
        if (o.result.replayed) report.unchanged += 1;
        else report.imported += 1;
      }
    });
    progress();
    return true;
  };

  const flush = async (): Promise<boolean> => {
    if (chunk.length === 0) return true;
    const events = chunk.map((c) => ({ input: c.event, key: c.key }));
    const started = startChunk(events, chunk.map((c) => c.line), inFlight, (part) => ingestHistoric(pool, part, { now, dryRun: pass === 'checking' }));
    chunk = [];
    const before = inFlight;
    inFlight = started;
    if (before && !(await settle(before))) return false;
    if (overlap) return true;
    inFlight = null;
    return await settle(started);
  };

  try {
    for await (const record of readRecords(input, format, EVENT_COLUMNS_REQUIRED)) {
      report.lines += 1;
      if ('error' in record) {
        bad({ line: record.line, code: 'unreadable_line', message: record.error });
        continue;
      }
      const parsed = (format === 'csv' ? CsvEventSchema : EventInputSchema).safeParse(record.fields);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        bad({ line: record.line, code: 'invalid_event', message: `${issue.path.join('.') || 'line'}: ${issue.message}` });
        continue;
      }
      const event = parsed.data;
      if (!event.occurredAt) {
        bad({ line: record.line, code: 'occurred_at_required', message: 'an imported event needs occurredAt (when it happened)' });
        continue;
      }
      let key: string;
      try {
        key = idempotencyKeyOf(event);
      } catch (err) {
        if (!(err instanceof LaurelError) || err.code !== 'idempotency_key_required') throw err;
        key = `import:${eventFingerprint(event)}`;
      }
      chunk.push({ line: record.line, event, key });
      if (chunk.length >= chunkSize && !(await flush())) return report;
    }
    if (!(await flush())) return report;
    if (inFlight) {
      const last: InFlightChunk = inFlight;
      inFlight = null;
      await settle(last);
    }
    return report;
  } finally {
    input.destroy();
    // Leaving early (a stop, an error): the chunk still in flight finishes before the pool may close.
    await (inFlight as InFlightChunk | null)?.outcomes.catch(() => undefined);
  }
}

/** A chunk handed to the ledger: its lines, its members, and the outcome of every event in order. */
interface InFlightChunk {
  lines: number[];
  members: Set<string>;
  outcomes: Promise<EventOutcome[]>;
}

type HistoricEvent = { input: EventInput; key: string };

/**
 * Starts a chunk while `before` may still be in flight: events of members `before` does not touch
 * go now; the others wait until `before` is done (each member's events keep the file's order).
 */
function startChunk(
  events: readonly HistoricEvent[],
  lines: number[],
  before: InFlightChunk | null,
  ingest: (events: HistoricEvent[]) => Promise<EventOutcome[]>,
): InFlightChunk {
  const members = new Set(events.map((e) => e.input.memberId));
  const now: number[] = [];
  const later: number[] = [];
  events.forEach((e, i) => (before?.members.has(e.input.memberId) ? later : now).push(i));
  const run = async (indices: number[], after?: Promise<unknown>): Promise<EventOutcome[]> => {
    if (indices.length === 0) return [];
    // The chunk before fails on its own; these events still wait for it to end.
    if (after) await after.catch(() => undefined);
    return await ingest(indices.map((i) => events[i]!));
  };
  const outcomes = Promise.all([run(now), run(later, before?.outcomes)]).then(([first, second]) => {
    const all: EventOutcome[] = new Array(events.length);
    now.forEach((i, k) => (all[i] = first[k]!));
    later.forEach((i, k) => (all[i] = second[k]!));
    return all;
  });
  // Awaited in order by the caller; until then a failure must not count as unhandled.
  outcomes.catch(() => undefined);
  return { lines, members, outcomes };
}

function badLine(line: number, error: unknown): { line: number; code: string; message: string } {
  if (error instanceof LaurelError) return { line, code: error.code, message: error.message };
  throw error;
}
