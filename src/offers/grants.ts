import { createHmac } from 'node:crypto';
import type { PoolClient } from '../db/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import type { ProgramDefinition } from '../program/index.js';
import type { Offer } from './store.js';

/*
 * Holding is explicit: a grant row per (offer, member), written in the caller's transaction (a
 * campaign page, an issue request), so a retried page or a repeated issue grants nothing twice and
 * a personal coupon is issued once per member whatever is retried or killed. Never to the holdout
 * of the offer's campaign; only to the offer's tiers; never beyond the member's tier cap of active
 * offers (`tiers[].benefits.maxActiveOffers`).
 */

export interface GrantTarget {
  memberId: string;
  variant: string | null;
}

export interface HeldGrant {
  grantId: number;
  memberId: string;
  code: string | null;
  expiresAt: Date | null;
  /** Granted by this call (false: the member held it already). */
  created: boolean;
}

export interface GrantResult {
  grants: HeldGrant[];
  skipped: { tier: number; holdout: number; tierCap: number; noCode: number; notLive: number };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A member's generated code: HMAC of the offer's secret salt and the member, so a retry yields the same code. */
export function generatedCode(salt: string, memberId: string, settings: { prefix?: string | undefined; length: number }, attempt = 0): string {
  const digest = createHmac('sha256', salt).update(`${memberId}\0${attempt}`).digest();
  let body = '';
  for (let i = 0; body.length < settings.length; i += 1) body += CROCKFORD[digest[i % digest.length]! & 31];
  return `${settings.prefix ?? ''}${body}`;
}

/** Grants `offer` to the targets that may hold it; returns every target that holds it afterwards. */
export async function grantOffer(
  client: PoolClient,
  offer: Offer,
  targets: readonly GrantTarget[],
  ctx: { campaignId: string | null; stepIndex: number | null; source: string; now: Date; program: ProgramDefinition },
): Promise<GrantResult> {
  const skipped = { tier: 0, holdout: 0, tierCap: 0, noCode: 0, notLive: 0 };
  if (targets.length === 0) return { grants: [], skipped };
  if (offer.status !== 'active' || (offer.validUntil !== null && ctx.now.getTime() >= offer.validUntil.getTime())) {
    return { grants: [], skipped: { ...skipped, notLive: targets.length } };
  }
  const caps = Object.fromEntries(ctx.program.tiers.flatMap((t) => (t.benefits.maxActiveOffers === undefined ? [] : [[t.id, t.benefits.maxActiveOffers]])));
  const d = offer.definition;
  const expiresAt = d.kind === 'coupon' && d.coupon.validDays ? new Date(ctx.now.getTime() + d.coupon.validDays * 86_400_000) : null;
  const { rows } = await client.query<{ tier: number; holdout: number; cap: number; inserted: { id: number; member_id: string }[] }>(
    `WITH t AS (SELECT * FROM unnest($2::text[], $3::text[]) AS t(member_id, variant)),
     judged AS (
       SELECT t.member_id, t.variant,
              ($4::text[] IS NOT NULL AND NOT m.tier_id = ANY($4::text[])) AS wrong_tier,
              EXISTS (SELECT 1 FROM campaign_members cm WHERE cm.campaign_id = $5 AND cm.member_id = t.member_id AND cm.holdout) AS in_holdout,
              ($6::jsonb ? m.tier_id AND (
                SELECT count(*) FROM offer_grants g JOIN offers o ON o.id = g.offer_id
                 WHERE g.member_id = t.member_id AND g.offer_id <> $1 AND g.revoked_at IS NULL AND o.status = 'active'
                   AND (o.valid_until IS NULL OR o.valid_until > $7) AND (g.expires_at IS NULL OR g.expires_at > $7)
                   AND (g.max_uses IS NULL OR g.uses < g.max_uses)
              ) >= ($6::jsonb ->> m.tier_id)::int) AS over_cap
         FROM t JOIN members m ON m.id = t.member_id
     ),
     inserted AS (
       INSERT INTO offer_grants (offer_id, member_id, campaign_id, variant, step_index, source, granted_at, expires_at, max_uses)
       SELECT $1, member_id, $8, variant, $9, $10, $7, $11, $12 FROM judged
        WHERE NOT wrong_tier AND NOT in_holdout AND NOT over_cap
        ORDER BY member_id
       ON CONFLICT (offer_id, member_id) DO NOTHING
       RETURNING id, member_id
     )
     SELECT (SELECT count(*) FROM judged WHERE wrong_tier)::int AS tier,
            (SELECT count(*) FROM judged WHERE NOT wrong_tier AND in_holdout)::int AS holdout,
            (SELECT count(*) FROM judged j WHERE NOT wrong_tier AND NOT in_holdout AND over_cap
                AND NOT EXISTS (SELECT 1 FROM offer_grants g WHERE g.offer_id = $1 AND g.member_id = j.member_id))::int AS cap,
            (SELECT coalesce(json_agg(inserted ORDER BY member_id), '[]'::json) FROM inserted) AS inserted`,
    [
      offer.id,
      targets.map((t) => t.memberId),
      targets.map((t) => t.variant),
      offer.tiers,
      offer.campaignId,
      JSON.stringify(caps),
      ctx.now,
      ctx.campaignId,
      ctx.stepIndex,
      ctx.source,
      expiresAt,
      offer.usesPerMember,
    ],
  );
  const row = rows[0]!;
  skipped.tier = row.tier;
  skipped.holdout = row.holdout;
  skipped.tierCap = row.cap;
  const created = row.inserted;
  if (d.kind === 'coupon' && created.length > 0) {
    skipped.noCode = d.coupon.codes.source === 'pool' ? await assignPoolCodes(client, offer, created, ctx.now) : 0;
    if (d.coupon.codes.source === 'generated') await assignGeneratedCodes(client, offer, d.coupon.codes, created, ctx.now);
  }
  const { rows: held } = await client.query<{ id: number; member_id: string; code: string | null; expires_at: Date | null }>(
    `SELECT g.id, g.member_id, c.code, g.expires_at FROM offer_grants g LEFT JOIN offer_codes c ON c.grant_id = g.id
      WHERE g.offer_id = $1 AND g.member_id = ANY($2::text[]) ORDER BY g.member_id`,
    [offer.id, targets.map((t) => t.memberId)],
  );
  const fresh = new Set(created.map((c) => c.id));
  const grants = held.map((g) => ({ grantId: g.id, memberId: g.member_id, code: g.code, expiresAt: g.expires_at, created: fresh.has(g.id) }));
  // Webhooks hear of each new grant in the granting transaction (skipped when nobody subscribes).
  await emitFacts(
    client,
    grants
      .filter((g) => g.created)
      .map((g) =>
        memberFact('offer.granted', `offer.granted.${g.grantId}`, g.memberId, ctx.now, {
          offerId: offer.id,
          grantId: g.grantId,
          kind: d.kind,
          code: g.code,
          expiresAt: g.expiresAt?.toISOString() ?? null,
          campaignId: ctx.campaignId,
          source: ctx.source,
        }),
      ),
  );
  return { grants, skipped };
}

async function assignGeneratedCodes(
  client: PoolClient,
  offer: Offer,
  settings: { prefix?: string | undefined; length: number },
  grants: readonly { id: number; member_id: string }[],
  now: Date,
): Promise<void> {
  let todo = [...grants];
  // A code another offer holds already (chance ~n²/2^61 at 12 characters) takes the next attempt's code.
  for (let attempt = 0; todo.length > 0; attempt += 1) {
    if (attempt > 5) throw new Error(`could not find free codes for offer ${offer.id}`);
    const { rows } = await client.query<{ grant_id: number }>(
      `INSERT INTO offer_codes (code, offer_id, source, grant_id, assigned_at)
       SELECT c, $1, 'generated', g, $4 FROM unnest($2::text[], $3::bigint[]) AS u(c, g)
       ON CONFLICT (code) DO NOTHING RETURNING grant_id`,
      [offer.id, todo.map((g) => generatedCode(offer.codeSalt, g.member_id, settings, attempt)), todo.map((g) => g.id), now],
    );
    const done = new Set(rows.map((r) => r.grant_id));
    todo = todo.filter((g) => !done.has(g.id));
  }
}

/** Takes the pool's next free codes for the new grants; grants left without a code are withdrawn. Returns how many. */
async function assignPoolCodes(client: PoolClient, offer: Offer, grants: readonly { id: number; member_id: string }[], now: Date): Promise<number> {
  const { rows: free } = await client.query<{ code: string }>(
    `SELECT code FROM offer_codes WHERE offer_id = $1 AND grant_id IS NULL ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [offer.id, grants.length],
  );
  const paired = grants.slice(0, free.length);
  if (paired.length > 0) {
    await client.query(`UPDATE offer_codes SET grant_id = u.g, assigned_at = $3 FROM unnest($1::text[], $2::bigint[]) AS u(c, g) WHERE offer_codes.code = u.c`, [
      free.map((f) => f.code),
      paired.map((g) => g.id),
      now,
    ]);
  }
  const withoutCode = grants.slice(free.length);
  if (withoutCode.length > 0) await client.query(`DELETE FROM offer_grants WHERE id = ANY($1::bigint[])`, [withoutCode.map((g) => g.id)]);
  return withoutCode.length;
}
