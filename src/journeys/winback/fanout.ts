import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from '../../db/index.js';
import type { FanoutHandler, MemberEventJob } from '../../fanout/index.js';
import type { EventResult } from '../../ledger/index.js';
import { WINBACK_ACTIVITY_SIGNAL } from './ids.js';

/**
 * Tells a member's running win-back journey that something changed: the event upgraded the tier
 * (the ledger requalified them) or moved qualifying points (progress on the challenge). The
 * journey re-checks from the ledger, so a repeated signal is harmless.
 */
export function createWinbackFanoutHandler(deps: { pool: Pool; temporal: Client }): FanoutHandler {
  return {
    name: 'winback',
    async handle(job: MemberEventJob): Promise<void> {
      const { rows } = await deps.pool.query<{ id: string; result: EventResult }>(
        `SELECT w.id, e.result FROM winbacks w JOIN events e ON e.id = $2 WHERE w.member_id = $1 AND w.status = 'active'`,
        [job.memberId, job.eventId],
      );
      for (const row of rows) {
        if (!row.result.tier?.changed && !row.result.points?.qualifying) continue;
        try {
          await deps.temporal.workflow.getHandle(row.id).signal(WINBACK_ACTIVITY_SIGNAL, { eventId: job.eventId, tierChanged: Boolean(row.result.tier?.changed) });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
    },
  };
}
