import { assertDrandRoundAfter, findDrandChain, type DrandChain } from '../../../../src/draws/drand-chains.js';
import { ALGORITHM } from '../../../../src/draws/algorithm.js';
import { drawLoop } from '../../../../src/draws/draw-loop.js';
import { describeSchemaError, DrawAuditRecordSchema, type DrawAuditRecord } from '../../../../src/draws/record.js';
import { compareReplay } from '../../../../src/draws/replay.js';
import { expandSlots } from '../../../../src/draws/slots.js';
import { bytesToHex, concatBytes, equalBytes, hexToBytes, lp, u64be, utf8 } from './bytes.js';
import { verifyDrandRound } from './drand.js';
import { entryLookup, parseLeaves } from './leaves.js';
import { merkleRoot } from './merkle.js';
import { hmacSha256, hmacSha256Key, sha256, sha256Hex } from './web-crypto.js';

/**
 * DRAW-SPEC section 7 in the browser, from the audit record and the leaves file alone: the same
 * checks in the same order as `laurel draw verify`, with SHA-256 and HMAC from Web Crypto and the
 * BLS check from @noble/curves. The draw loop, slot expansion, record schema and the comparison of
 * the replay with the record are the server's own pure modules (src/draws), not copies.
 */


export type VerifyPhase = 'record' | 'leaves_hash' | 'leaves_parse' | 'merkle' | 'randomness' | 'seed' | 'replay';

export interface BrowserVerifySummary {
  drawId: string;
  n: number;
  t: string;
  root: string;
  seed: string;
  leavesSha256: string;
  countersUsed: number;
  winners: { slot: number; prizeId: string | null; reserveRank: number | null; pid: string; t: string }[];
  drandChain: string | null;
}

export type BrowserVerifyResult = { ok: true; summary: BrowserVerifySummary } | { ok: false; code: string; message: string; phase: VerifyPhase };

export interface BrowserVerifyOptions {
  chains: readonly DrandChain[];
  onPhase?: (phase: VerifyPhase, detail?: { done: number; total: number }) => void;
}

class Mismatch extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function verifyDrawInBrowser(recordJson: unknown, leaves: Uint8Array, options: BrowserVerifyOptions): Promise<BrowserVerifyResult> {
  let phase: VerifyPhase = 'record';
  const enter = (p: VerifyPhase) => {
    phase = p;
    options.onPhase?.(p);
  };
  try {
    enter('record');
    const algorithm = (recordJson as { commit?: { algorithm?: unknown } } | null)?.commit?.algorithm;
    if (algorithm !== undefined && algorithm !== ALGORITHM) throw new Mismatch('unsupported_algorithm', `this verifier implements ${ALGORITHM}, the record uses ${String(algorithm)}`);
    const parsed = DrawAuditRecordSchema.safeParse(recordJson);
    if (!parsed.success) throw new Mismatch('record_malformed', `the audit record is malformed: ${describeSchemaError(parsed.error)}`);
    const record: DrawAuditRecord = parsed.data;
    const { commit } = record;

    enter('leaves_hash');
    const leavesHash = await sha256Hex(leaves);
    if (leavesHash !== record.leaves.sha256) throw new Mismatch('leaves_hash_mismatch', `the leaves file hashes to ${leavesHash}, the record says ${record.leaves.sha256}`);

    enter('leaves_parse');
    const read = parseLeaves(leaves, commit.entries.n);
    if (!read.ok) throw new Mismatch(read.code, read.message);
    const table = read.table;

    enter('merkle');
    if (table.count !== commit.entries.n) throw new Mismatch('entry_count_mismatch', `the leaves file has ${table.count} entries, the record says N = ${commit.entries.n}`);
    if (table.total.toString() !== commit.entries.t) throw new Mismatch('ticket_total_mismatch', `the leaves file has T = ${table.total}, the record says ${commit.entries.t}`);
    const root = await merkleRoot(table, (done) => options.onPhase?.('merkle', { done, total: table.count }));
    if (bytesToHex(root) !== commit.entries.root) throw new Mismatch('merkle_root_mismatch', `the leaves rebuild root ${bytesToHex(root)}, the record commits to ${commit.entries.root}`);

    enter('randomness');
    const { drandR, secret, chain } = await checkRandomness(record, options.chains);

    enter('seed');
    const seed = await sha256(concatBytes(utf8(ALGORITHM), lp(utf8(commit.draw_id)), root, lp(drandR), lp(secret)));
    if (bytesToHex(seed) !== record.seed) throw new Mismatch('seed_mismatch', `the seed recomputes to ${bytesToHex(seed)}, the record says ${record.seed}`);

    enter('replay');
    // word(c) for every counter the record used, plus one: a replay that needs more than that has
    // already disagreed with the record (it would list a step the record does not have).
    const key = await hmacSha256Key(seed);
    const tag = utf8('u64');
    const wanted = record.steps.length + 1;
    const words: bigint[] = [];
    for (let from = 0; from < wanted; from += 1024) {
      const batch = await Promise.all(Array.from({ length: Math.min(1024, wanted - from) }, (_, k) => hmacSha256(key, concatBytes(tag, u64be(BigInt(from + k))))));
      for (const mac of batch) words.push(new DataView(mac.buffer, mac.byteOffset, 8).getBigUint64(0));
    }
    const lookup = entryLookup(table);
    let outOfWords = false;
    const outcome = (() => {
      try {
        return drawLoop({
          book: lookup,
          slots: expandSlots(commit.prizes, commit.reserves),
          maxWins: commit.max_wins,
          words: (c) => {
            const w = words[c];
            if (w === undefined) {
              outOfWords = true;
              throw new Mismatch('step_missing', `step ${record.steps.length}: the replay consumes more counters than the record's ${record.steps.length}`);
            }
            return w;
          },
        });
      } catch (err) {
        if (outOfWords || err instanceof Mismatch) throw err;
        const e = err as { code?: string; message?: string };
        throw new Mismatch(e.code ?? 'replay_failed', e.message ?? String(err));
      }
    })();
    const mismatch = compareReplay(record, outcome, lookup);
    if (mismatch) throw new Mismatch(mismatch.code, mismatch.message);
    return {
      ok: true,
      summary: {
        drawId: commit.draw_id,
        n: table.count,
        t: table.total.toString(),
        root: commit.entries.root,
        seed: record.seed,
        leavesSha256: record.leaves.sha256,
        countersUsed: record.steps.length,
        winners: record.slots.flatMap((s) => (s.winner ? [{ slot: s.slot, prizeId: s.prize_id, reserveRank: s.reserve_rank, pid: s.winner.pid, t: s.winner.t }] : [])),
        drandChain: chain?.name ?? null,
      },
    };
  } catch (err) {
    if (err instanceof Mismatch) return { ok: false, code: err.code, message: err.message, phase };
    return { ok: false, code: 'verifier_error', message: err instanceof Error ? err.message : String(err), phase };
  }
}

/** Section 3 and 7: H(s) against the commitment; the drand round's BLS signature and R = H(signature). */
async function checkRandomness(record: DrawAuditRecord, chains: readonly DrandChain[]): Promise<{ drandR: Uint8Array; secret: Uint8Array; chain: DrandChain | null }> {
  const { commit, evidence } = record;
  let drandR: Uint8Array = new Uint8Array(0);
  let chain: DrandChain | null = null;
  const committed = commit.randomness.drand;
  if (committed) {
    if (!evidence.drand) throw new Mismatch('drand_evidence_missing', 'the commit names a drand round but no round was given');
    chain = findDrandChain(committed.chain_hash, chains) ?? null;
    if (!chain) throw new Mismatch('drand_unknown_chain', `unknown drand chain ${committed.chain_hash}`);
    if (evidence.drand.round !== committed.round) throw new Mismatch('drand_round_mismatch', `the commit names round ${committed.round}, the evidence is round ${evidence.drand.round}`);
    try {
      assertDrandRoundAfter(chain, committed.round, Date.parse(commit.commit_time));
    } catch (err) {
      throw new Mismatch('drand_round_in_past', (err as Error).message);
    }
    if (!(await verifyDrandRound(chain, committed.round, evidence.drand.signature))) {
      throw new Mismatch('drand_signature_invalid', `the signature of drand round ${committed.round} does not verify against the ${chain.name} public key`);
    }
    drandR = await sha256(hexToBytes(evidence.drand.signature));
    if (evidence.drand.chain_hash !== chain.chainHash) throw new Mismatch('drand_chain_mismatch', `the evidence is from chain ${evidence.drand.chain_hash}, the commit names ${chain.chainHash}`);
    if (evidence.drand.randomness !== bytesToHex(drandR)) {
      throw new Mismatch('drand_randomness_mismatch', `the round's randomness is SHA-256(signature) = ${bytesToHex(drandR)}, the record says ${evidence.drand.randomness}`);
    }
  } else if (evidence.drand) {
    throw new Mismatch('randomness_not_committed', 'drand evidence was given but the commit names no drand round');
  }
  let secret: Uint8Array = new Uint8Array(0);
  if (commit.randomness.secret_commitment) {
    if (evidence.secret === null) throw new Mismatch('secret_missing', 'the commit names H(s) but no secret was revealed');
    secret = hexToBytes(evidence.secret);
    if (!equalBytes(await sha256(secret), hexToBytes(commit.randomness.secret_commitment))) {
      throw new Mismatch('secret_mismatch', 'the revealed secret does not hash to the committed H(s)');
    }
  } else if (evidence.secret !== null) {
    throw new Mismatch('randomness_not_committed', 'a secret was revealed but the commit names no H(s)');
  }
  return { drandR, secret, chain };
}
