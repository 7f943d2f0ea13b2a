import { ApplicationFailure } from '@temporalio/activity';
import type { Queue } from 'bullmq';
import { withTransaction, type Pool } from '../../db/index.js';
import { findDrandChain } from '../../draws/index.js';
import { LaurelError } from '../../errors/index.js';
import { requestAward } from '../../ledger/index.js';
import { sendMessages, type DeliveryJob } from '../../messaging/index.js';
import type { Channel } from '../../messaging/templates/index.js';
import { channelRequests } from '../missions/channel-requests.js';
import { drawIdOf } from './definition.js';
import { fetchDrandRound } from './drand-relay.js';
import { executeDraw, freezeDraw, type DrawSettings, type FreezeResult, type RevealEvidence } from './lifecycle.js';
import { appendAuditEntry, drawWinners, getDraw } from './store.js';

export interface DrawActivityDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
  channels: readonly Channel[];
  /** Absent in a worker not configured for draws: the draw activities then fail loudly. */
  draws?: DrawSettings;
}

export interface DrawPlan {
  status: 'open' | 'frozen' | 'drawn' | 'closed' | 'void';
  entryEndsAtMs: number;
}

export interface DrawWorkflowSummary {
  winners: { slot: number; pid: string }[];
  seed: string;
}

/** A 4xx LaurelError will fail the same way on every retry: stop retrying, keep its code as the type. */
async function asActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LaurelError && err.status < 500) throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true, cause: err });
    throw err;
  }
}

export function createDrawActivities({ pool, deliveryQueue, channels, draws }: DrawActivityDeps) {
  const settings = (): DrawSettings => {
    if (!draws) throw new LaurelError('draws_not_configured', 'this journeys worker has no draw settings (draw key, drand relay)', { status: 500 });
    return draws;
  };
  return {
    async loadDrawPlan(workflowId: string): Promise<DrawPlan> {
      const draw = await getDraw(pool, drawIdOf(workflowId));
      return { status: draw.status, entryEndsAtMs: draw.entryEndsAt.getTime() };
    },

    async freezeDrawEntries(workflowId: string): Promise<FreezeResult> {
      return await asActivity(() => freezeDraw(pool, settings(), drawIdOf(workflowId), new Date()));
    },

    /** The committed round, verified against the chain's key (retried until the relay has it). */
    async fetchCommittedDrandRound(workflowId: string): Promise<{ round: number; signature: string }> {
      return await asActivity(async () => {
        const s = settings();
        const draw = await getDraw(pool, drawIdOf(workflowId));
        const committed = draw.commit?.randomness.drand;
        if (!committed) throw new LaurelError('randomness_not_committed', `draw ${draw.id} committed to no drand round`);
        const chain = findDrandChain(committed.chain_hash, s.chains);
        if (!chain) throw new LaurelError('drand_unknown_chain', `unknown drand chain ${committed.chain_hash}`);
        return await fetchDrandRound(s.drandRelayUrl, chain, committed.round);
      });
    },

    async drawWinners(workflowId: string, reveal: RevealEvidence): Promise<DrawWorkflowSummary> {
      return await asActivity(async () => {
        const result = await executeDraw(pool, settings(), drawIdOf(workflowId), reveal, new Date());
        return { seed: result.seed, winners: result.winners.map((w) => ({ slot: w.slot, pid: w.pid })) };
      });
    },

    /** One award per prize slot with points, id `draw:<id>:slot:<n>`: a rerun requests nothing twice. */
    async awardDrawPrizes(workflowId: string): Promise<{ awarded: number }> {
      const drawId = drawIdOf(workflowId);
      const draw = await getDraw(pool, drawId);
      const prizes = new Map(draw.definition.prizes.map((p) => [p.id, p]));
      const winners = (await drawWinners(pool, drawId)).filter((w) => w.kind === 'prize' && w.prizeId !== null && prizes.get(w.prizeId)?.points !== undefined);
      await withTransaction(pool, async (client) => {
        for (const w of winners) {
          const prize = prizes.get(w.prizeId!)!;
          await requestAward(client, { id: `${workflowId}:slot:${w.slot}`, memberId: w.memberId, points: prize.points!, source: workflowId, reason: `${draw.name}: ${prize.name}` });
        }
      });
      return { awarded: winners.length };
    },

    /** draw_won to every prize winner (message ids per draw, slot and channel). */
    async notifyDrawWinners(workflowId: string): Promise<{ notified: number }> {
      const drawId = drawIdOf(workflowId);
      const draw = await getDraw(pool, drawId);
      const s = settings();
      const prizes = new Map(draw.definition.prizes.map((p) => [p.id, p]));
      const claimBy = new Date((draw.drawnAt ?? new Date()).getTime() + draw.definition.claimDays * 86_400_000).toISOString();
      const verifyUrl = `${s.publicUrl.replace(/\/+$/, '')}/v1/public/draws/${encodeURIComponent(drawId)}`;
      const winners = (await drawWinners(pool, drawId)).filter((w) => w.kind === 'prize');
      const requests = winners.flatMap((w) =>
        channelRequests(channels, 'draw_won', `${drawId}.${w.slot}`, w.memberId, {
          drawName: draw.name,
          prizeName: prizes.get(w.prizeId ?? '')?.name ?? String(w.prizeId),
          claimBy,
          verifyUrl,
        }),
      );
      await sendMessages(pool, deliveryQueue, requests);
      return { notified: winners.length };
    },

    async closeDrawRecord(workflowId: string, summary: { awarded: number; notified: number }): Promise<void> {
      const drawId = drawIdOf(workflowId);
      await withTransaction(pool, async (client) => {
        const draw = await getDraw(client, drawId, { forUpdate: true });
        if (draw.status !== 'drawn') return;
        await appendAuditEntry(client, drawId, 'closed', summary, new Date());
        await client.query(`UPDATE draws SET status = 'closed', closed_at = now() WHERE id = $1`, [drawId]);
      });
    },
  };
}

export type DrawActivities = ReturnType<typeof createDrawActivities>;
