import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { currentProgram } from '../program/store.js';
import { compileSegmentPage, type Segment } from '../segments/index.js';
import { grantOffer, type GrantResult, type HeldGrant } from './grants.js';
import { getOffer, offerEnded } from './store.js';

const PAGE = 1000;

export interface IssueResult {
  offerId: string;
  /** Members who hold it now because of this call. */
  granted: number;
  /** Members who held it already (issuing again is harmless). */
  alreadyHeld: number;
  skipped: GrantResult['skipped'];
  /** For a list of members: each holder with its code. */
  grants?: { memberId: string; code: string | null; created: boolean }[];
}

/**
 * Issues an offer on its own, to a list of members (≤ 10,000; every one must exist, or nothing is
 * written) or to a segment (paged by member id, each page its own transaction; a large audience is
 * better served by a campaign, whose workflow pages it durably). Idempotent: a member holds an
 * offer once. 409 `offer_ended` / `offer_archived`.
 */
export async function issueOffer(
  pool: Pool,
  input: { offerId: string; memberIds?: readonly string[] | undefined; segment?: Segment | undefined; actor: string; now?: Date },
): Promise<IssueResult> {
  const now = input.now ?? new Date();
  const offer = await getOffer(pool, input.offerId);
  const ended = offerEnded(offer, now);
  if (ended) throw ended;
  const program = (await currentProgram(pool)).definition;
  const totals: IssueResult = { offerId: offer.id, granted: 0, alreadyHeld: 0, skipped: { tier: 0, holdout: 0, tierCap: 0, noCode: 0, notLive: 0 } };
  const add = (result: GrantResult) => {
    totals.granted += result.grants.filter((g) => g.created).length;
    totals.alreadyHeld += result.grants.filter((g) => !g.created).length;
    for (const [k, v] of Object.entries(result.skipped)) totals.skipped[k as keyof GrantResult['skipped']] += v;
  };
  const ctx = { campaignId: offer.campaignId, stepIndex: null, source: 'issue', now, program };
  if (input.memberIds) {
    const ids = [...new Set(input.memberIds)];
    const held: HeldGrant[] = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM members WHERE id = ANY($1::text[])`, [ids]);
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length > 0) throw new NotFoundError('unknown_member', `member ${missing[0]} does not exist${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`, { missing: missing.slice(0, 100) });
      const result = await grantOffer(client, offer, ids.map((memberId) => ({ memberId, variant: null })), ctx);
      add(result);
      return result.grants;
    });
    totals.grants = held.map((g) => ({ memberId: g.memberId, code: g.code, created: g.created }));
  } else if (input.segment) {
    let after: string | null = null;
    for (;;) {
      const page = compileSegmentPage(input.segment, { now, after, limit: PAGE });
      const { rows } = await pool.query<{ id: string }>(page.sql, page.params);
      if (rows.length === 0) break;
      await withTransaction(pool, async (client) => add(await grantOffer(client, offer, rows.map((r) => ({ memberId: r.id, variant: null })), ctx)));
      after = rows[rows.length - 1]!.id;
      if (rows.length < PAGE) break;
    }
  }
  await appendAudit(pool, {
    actor: input.actor,
    action: 'offer.issue',
    subject: `offer:${offer.id}`,
    after: { granted: totals.granted, alreadyHeld: totals.alreadyHeld, skipped: totals.skipped, audience: input.memberIds ? { members: input.memberIds.length } : { segment: input.segment } },
  });
  return totals;
}
