import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Pool } from '../../db/index.js';
import { emitFacts, memberFact } from '../../facts/index.js';
import { reviewTiers } from '../../ledger/index.js';
import { tierRank } from '../../program/index.js';
import { currentProgram } from '../../program/store.js';

export interface TierReviewActivityDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
}

const PAGE = 1000;
/** Demotions older than this when first seen get no win-back (a sweep catching up months late). */
const WINBACK_LOOKBACK_MS = 7 * 86_400_000;

export function createTierReviewActivities({ pool, temporal, taskQueue }: TierReviewActivityDeps) {
  return {
    async reviewTiersAsOf(asOf: string): Promise<Record<string, number>> {
      const counts = await reviewTiers(pool, new Date(asOf));
      return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]));
    },

    /**
     * `tier.changed` facts for the changes the review at `asOf` made (and any earlier review in
     * the win-back look-back a crashed run left unannounced: fact ids are the review keys).
     */
    async announceReviewTierChanges(asOf: string): Promise<{ announced: number }> {
      const at = new Date(asOf);
      const program = (await currentProgram(pool)).definition;
      let after = 0;
      let announced = 0;
      for (;;) {
        const { rows } = await pool.query<{ id: number; member_id: string; from_tier: string; to_tier: string; reason: string; at: Date; review_key: string }>(
          `SELECT id, member_id, from_tier, to_tier, reason, at, review_key FROM tier_changes
            WHERE review_key IS NOT NULL AND from_tier IS NOT NULL AND from_tier <> to_tier AND at <= $1 AND at > $2 AND id > $3
            ORDER BY id LIMIT $4`,
          [at, new Date(at.getTime() - WINBACK_LOOKBACK_MS), after, PAGE],
        );
        if (rows.length === 0) return { announced };
        const rank = (tier: string) => {
          try {
            return tierRank(program, tier);
          } catch {
            return 0;
          }
        };
        await emitFacts(
          pool,
          rows.map((r) =>
            memberFact('tier.changed', `tier.changed.${r.review_key}`, r.member_id, r.at, {
              fromTier: r.from_tier,
              toTier: r.to_tier,
              direction: rank(r.to_tier) > rank(r.from_tier) ? 'up' : 'down',
              reason: r.reason,
            }),
          ),
        );
        announced += rows.length;
        after = Number(rows[rows.length - 1]!.id);
      }
    },

    /**
     * A win-back journey per demotion: rows keyed `winback:<member>:<review date>` (one per tier
     * change), then each row's workflow started once (REJECT_DUPLICATE; the start is recorded, so
     * a rerun after a crash starts only what is missing).
     */
    async startWinbacks(input: { asOf: string; dayMs?: number }): Promise<{ started: number }> {
      const asOf = new Date(input.asOf);
      await pool.query(
        `INSERT INTO winbacks (id, member_id, tier_change_id, from_tier, to_tier, demoted_at)
         SELECT 'winback:' || tc.member_id || ':' || to_char(tc.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), tc.member_id, tc.id, tc.from_tier, tc.to_tier, tc.at
           FROM tier_changes tc
          WHERE tc.reason = 'review_downgrade' AND tc.from_tier IS NOT NULL AND tc.at <= $1 AND tc.at > $2
         ON CONFLICT DO NOTHING`,
        [asOf, new Date(asOf.getTime() - WINBACK_LOOKBACK_MS)],
      );
      let started = 0;
      for (;;) {
        const { rows } = await pool.query<{ id: string }>(`SELECT id FROM winbacks WHERE workflow_started_at IS NULL ORDER BY id LIMIT $1`, [PAGE]);
        if (rows.length === 0) break;
        for (const { id } of rows) {
          try {
            await temporal.workflow.start('winbackWorkflow', {
              workflowId: id,
              taskQueue,
              args: [input.dayMs ? { dayMs: input.dayMs } : {}],
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
            });
            started += 1;
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
          await pool.query(`UPDATE winbacks SET workflow_started_at = now() WHERE id = $1`, [id]);
        }
      }
      return { started };
    },
  };
}

export type TierReviewActivities = ReturnType<typeof createTierReviewActivities>;
