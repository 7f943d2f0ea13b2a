import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTransaction, type Pool } from '../../db/index.js';
import { emitFacts } from '../../facts/index.js';
import {
  assertDrandRoundAfter,
  buildCommitRecord,
  buildDrawFiles,
  checkRandomness,
  drandRoundTime,
  entriesRoot,
  findDrandChain,
  freezeEntriesIndexed,
  fromHex,
  secretCommitment,
  writeLeavesFile,
  type DrandChain,
  type DrawCommitRecord,
  type EntryInput,
} from '../../draws/index.js';
import { ConflictError, LaurelError, ValidationError } from '../../errors/index.js';
import type { DrawDefinition } from './definition.js';
import { rulesHash } from './definition.js';
import { appendAuditEntry, drawWinners, getDraw, insertDraw, insertEntries, loadEntries, type DrawRecord, type DrawWinner } from './store.js';
import { ticketHolders } from './tickets.js';

/** What the draw journey needs besides the database. */
export interface DrawSettings {
  /** utf8(DRAW_KEY): pid = HMAC(drawKey, utf8(member id)). */
  drawKey: Buffer;
  chains: readonly DrandChain[];
  /** Published files go to `<publishDir>/<draw id>/`. */
  publishDir: string;
  drandRelayUrl: string;
  /** Base of the public links in draw_won. */
  publicUrl: string;
}

/** Checks a definition's randomness against the chains and the clock (the API and the freeze). */
export function checkDrawRandomness(definition: DrawDefinition, chains: readonly DrandChain[], now: Date): void {
  const drand = definition.randomness.drand;
  if (!drand) return;
  const chain = findDrandChain(drand.chainHash, chains);
  // A well-formed chain hash this Laurel does not accept: 422 (found by contract fuzzing; was 400).
  if (!chain) throw new ValidationError('drand_unknown_chain', `unknown drand chain ${drand.chainHash}`, { chainHash: drand.chainHash }, 422);
  // The round must not exist at the commit, which is no earlier than the close (nor than now).
  const commitAt = Math.max(Date.parse(definition.entryEndsAt), now.getTime());
  assertDrandRoundAfter(chain, drand.round, commitAt);
}

/** Stores a new draw and the first entry of its audit log (the published rules). */
export async function createDraw(pool: Pool, definition: DrawDefinition, actor: string, chains: readonly DrandChain[], now: Date): Promise<DrawRecord> {
  checkDrawRandomness(definition, chains, now);
  const hash = rulesHash(definition);
  return await withTransaction(pool, async (client) => {
    if (!(await insertDraw(client, definition, hash, actor))) {
      throw new ConflictError('draw_exists', `draw ${definition.id} already exists; a draw id is used once`, { drawId: definition.id });
    }
    await appendAuditEntry(client, definition.id, 'rules', { rules_hash: hash, definition, created_by: actor }, now);
    return await getDraw(client, definition.id);
  });
}

export type FreezeResult =
  | { status: 'void'; reason: string }
  | { status: 'frozen' | 'drawn' | 'closed'; n: number; t: string; root: string; drand: { round: number; roundTimeMs: number } | null; secretCommitment: string | null };

function frozenSummary(draw: DrawRecord, commit: DrawCommitRecord, chains: readonly DrandChain[]): FreezeResult {
  const drand = commit.randomness.drand;
  const chain = drand ? findDrandChain(drand.chain_hash, chains) : undefined;
  return {
    status: draw.status === 'open' || draw.status === 'void' ? 'frozen' : draw.status,
    n: commit.entries.n,
    t: commit.entries.t,
    root: commit.entries.root,
    drand: drand && chain ? { round: drand.round, roundTimeMs: drandRoundTime(chain, drand.round) * 1000 } : null,
    secretCommitment: commit.randomness.secret_commitment,
  };
}

async function publishJson(settings: DrawSettings, drawId: string, name: string, value: unknown): Promise<void> {
  const dir = join(settings.publishDir, drawId);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.tmp`);
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, join(dir, name));
}

/**
 * Section 1–2 at the close: computes every eligible member's tickets, freezes the entries under
 * pids, stores them, builds the commit record, appends it to the audit log and publishes it.
 * Idempotent: a frozen draw returns its stored commit. No entries: the draw becomes void.
 */
export async function freezeDraw(pool: Pool, settings: DrawSettings, drawId: string, now: Date): Promise<FreezeResult> {
  const result = await withTransaction(pool, async (client) => {
    const draw = await getDraw(client, drawId, { forUpdate: true });
    if (draw.status === 'void') return { draw, summary: { status: 'void', reason: draw.voidReason ?? 'void' } as FreezeResult };
    if (draw.status !== 'open' && draw.commit) return { draw, summary: frozenSummary(draw, draw.commit, settings.chains) };
    const { definition } = draw;
    const memberIds: string[] = [];
    const members: EntryInput[] = [];
    for await (const page of ticketHolders(client, drawId, definition)) {
      for (const h of page) {
        memberIds.push(h.memberId);
        members.push({ memberId: h.memberId, weight: h.tickets });
      }
    }
    const voidDraw = async (reason: string, details: unknown): Promise<{ draw: DrawRecord; summary: FreezeResult }> => {
      await client.query(`UPDATE draws SET status = 'void', void_reason = $2, closed_at = $3 WHERE id = $1`, [drawId, reason, now]);
      await appendAuditEntry(client, drawId, 'void', { reason, ...(details as object) }, now);
      return { draw, summary: { status: 'void', reason } };
    };
    if (members.length === 0) return await voidDraw('no_entries', { eligible_with_tickets: 0 });
    try {
      checkDrawRandomness(definition, settings.chains, now);
    } catch (err) {
      // The named round exists already (the close ran late): drawing from it would be unfair.
      if (err instanceof LaurelError && err.code === 'drand_round_in_past') return await voidDraw('drand_round_in_past', { message: err.message });
      throw err;
    }
    const { entries, source } = freezeEntriesIndexed(settings.drawKey, members, members.length);
    const root = entriesRoot(entries);
    const commit = buildCommitRecord(
      {
        drawId,
        rulesHash: draw.rulesHash,
        freezeTime: now,
        commitTime: now,
        prizes: definition.prizes.map((p) => ({ id: p.id, quantity: p.quantity })),
        reserves: definition.reserves,
        maxWins: definition.maxWinsPerMember,
        drand: definition.randomness.drand ? { chainHash: definition.randomness.drand.chainHash, round: definition.randomness.drand.round } : null,
        secretCommitment: definition.randomness.secretCommitment ?? null,
      },
      entries,
      root,
      settings.chains,
    );
    await insertEntries(client, drawId, entries, (i) => memberIds[source[i]!]!);
    await appendAuditEntry(client, drawId, 'commit', commit, now);
    await client.query(`UPDATE draws SET status = 'frozen', commit_record = $2, frozen_at = $3 WHERE id = $1`, [drawId, JSON.stringify(commit), now]);
    return { draw: { ...draw, status: 'frozen' as const, commit }, summary: frozenSummary({ ...draw, status: 'frozen' }, commit, settings.chains) };
  });
  if (result.summary.status !== 'void' && result.draw.commit) await publishJson(settings, drawId, 'commit.json', result.draw.commit);
  return result.summary;
}

export interface RevealEvidence {
  drand: { round: number; signature: string } | null;
  /** The operator secret s, hex. */
  secret: string | null;
}

export interface DrawResult {
  seed: string;
  winners: DrawWinner[];
}

/**
 * Sections 3–6, exactly once: checks the randomness against the commit (BLS signature, H(s)),
 * derives the seed, draws winners then reserves, and stores the audit record and the winners in
 * one transaction with the audit log entries. A drawn draw returns what it stored.
 */
export async function executeDraw(pool: Pool, settings: DrawSettings, drawId: string, reveal: RevealEvidence, now: Date): Promise<DrawResult> {
  const outcome = await withTransaction(pool, async (client) => {
    const draw = await getDraw(client, drawId, { forUpdate: true });
    if ((draw.status === 'drawn' || draw.status === 'closed') && draw.audit) return { record: draw.audit, fresh: false };
    if (draw.status !== 'frozen' || !draw.commit) throw new ConflictError('draw_not_frozen', `draw ${drawId} is ${draw.status}: only a frozen draw can be drawn`, { drawId, drawStatus: draw.status });
    const commit = draw.commit;
    const entries = await loadEntries(client, drawId, commit.entries.n, BigInt(commit.entries.t));
    if (entriesRoot(entries).toString('hex') !== commit.entries.root) {
      throw new LaurelError('draw_tamper_detected', `the stored entries of draw ${drawId} no longer hash to the committed root`, { status: 500 });
    }
    const secret = reveal.secret === null ? null : fromHex(reveal.secret);
    // Throws secret_mismatch / drand_signature_invalid before anything is written.
    const { evidence } = checkRandomness(commit, { drand: reveal.drand, secret }, settings.chains);
    const evidenceEntry = await appendAuditEntry(client, drawId, 'randomness', evidence, now);
    const { record } = buildDrawFiles({ commit, entries, reveal: { drand: reveal.drand, secret }, prevAuditHash: evidenceEntry.hash, chains: settings.chains });
    await appendAuditEntry(client, drawId, 'draw', record, now);
    const filled = record.slots.flatMap((s) => (s.winner ? [{ slot: s, winner: s.winner }] : []));
    await client.query(
      `INSERT INTO draw_winners (draw_id, slot, kind, prize_id, reserve_rank, member_id, pid, ticket, counter)
       SELECT $1, w.slot, w.kind, w.prize_id, w.reserve_rank, e.member_id, e.pid, w.ticket, w.counter
         FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::bytea[], $7::bigint[], $8::int[]) AS w(slot, kind, prize_id, reserve_rank, pid, ticket, counter)
         JOIN draw_entries e ON e.draw_id = $1 AND e.pid = w.pid`,
      [
        drawId,
        filled.map((f) => f.slot.slot),
        filled.map((f) => f.slot.kind),
        filled.map((f) => f.slot.prize_id),
        filled.map((f) => f.slot.reserve_rank),
        filled.map((f) => `\\x${f.winner.pid}`),
        filled.map((f) => f.winner.t),
        filled.map((f) => f.winner.c),
      ],
    );
    await client.query(`UPDATE draws SET status = 'drawn', audit_record = $2, drawn_at = $3 WHERE id = $1`, [drawId, JSON.stringify(record), now]);
    const { rows: winners } = await client.query<{ slot: number; kind: string; prize_id: string | null; member_id: string; pid: string }>(
      `SELECT slot, kind, prize_id, member_id, encode(pid, 'hex') AS pid FROM draw_winners WHERE draw_id = $1 ORDER BY slot`,
      [drawId],
    );
    await emitFacts(client, [
      {
        id: `draw.drawn.${drawId}`,
        type: 'draw.drawn',
        memberId: null,
        lane: `draw:${drawId}`,
        occurredAt: now.toISOString(),
        data: { drawId, winners: winners.map((w) => ({ slot: w.slot, kind: w.kind, prizeId: w.prize_id, memberId: w.member_id, pid: w.pid })) },
      },
    ]);
    return { record, fresh: true, entries };
  });
  if (outcome.fresh && 'entries' in outcome && outcome.entries) {
    const dir = join(settings.publishDir, drawId);
    await mkdir(dir, { recursive: true });
    await writeLeavesFile(join(dir, 'leaves.ndjson.gz'), outcome.entries, true);
    await publishJson(settings, drawId, 'draw.json', outcome.record);
  }
  return { seed: outcome.record.seed, winners: await drawWinners(pool, drawId) };
}

/** Checks a revealed secret against the committed H(s) without drawing (the reveal API). */
export function secretMatchesCommit(commit: DrawCommitRecord, secretHex: string): boolean {
  const committed = commit.randomness.secret_commitment;
  if (!committed) throw new ValidationError('randomness_not_committed', 'this draw committed to no operator secret');
  return secretCommitment(fromHex(secretHex)).toString('hex') === committed;
}
