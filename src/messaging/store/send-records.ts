import type { Queue } from 'bullmq';
import type { Pool, PoolClient } from '../../db/index.js';
import { NotFoundError } from '../../errors/index.js';
import { addToOutbox } from '../../outbox/index.js';
import { QUEUES } from '../../queues/index.js';
import { messageDefinition, type Channel } from '../templates/index.js';
import { deliveryJobId, type DeliveryJob } from '../delivery/queue.js';

export type MessageCategory = 'transactional' | 'marketing' | 'test';
export type MessageStatus = 'queued' | 'held' | 'sending' | 'sent' | 'failed' | 'unknown' | 'suppressed' | 'capped' | 'dead';

/** Statuses after which nothing is ever sent for the message again. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['sent', 'suppressed', 'capped', 'dead']);

/** A message to send: a template and its variables for a member, or a test-send to an address. */
export interface MessageRequest {
  /** Stable id: `<kind>.<fact id>.<channel>`, `campaign.<id>.<step>.<member>`, ... (also the job id). */
  id: string;
  message: string;
  channel: Channel;
  memberId?: string | null;
  /** Only for test-sends (and prerendered system mail): otherwise the member's current address. */
  recipient?: string | null;
  vars?: Record<string, unknown> | null;
  /** Defaults to the registry kind of the message. */
  category?: MessageCategory;
  campaignId?: string | null;
  /** A campaign message that carries an offer links to it (the inbox shows the link). */
  offerId?: string | null;
  requestedBy?: string | null;
}

function categoryOf(request: MessageRequest): MessageCategory {
  if (request.category) return request.category;
  const definition = messageDefinition(request.message);
  if (!definition) throw new NotFoundError('template_not_found', `unknown message ${request.message}`, { message: request.message });
  return definition.kind;
}

/** Writes send records; an id that exists already is left as it is. Returns the ids written now. */
export async function insertSendRecords(db: Pool | PoolClient, requests: readonly MessageRequest[]): Promise<string[]> {
  if (requests.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO messages (id, channel, kind, member_id, recipient, vars, category, campaign_id, requested_by, offer_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::text[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      requests.map((r) => r.id),
      requests.map((r) => r.channel),
      requests.map((r) => r.message),
      requests.map((r) => r.memberId ?? null),
      requests.map((r) => r.recipient ?? null),
      requests.map((r) => (r.vars ? JSON.stringify(r.vars) : null)),
      requests.map(categoryOf),
      requests.map((r) => r.campaignId ?? null),
      requests.map((r) => r.requestedBy ?? null),
      requests.map((r) => r.offerId ?? null),
    ],
  );
  return rows.map((r) => r.id);
}

/**
 * For callers inside a transaction (member creation, ledger, journeys): the send record and its
 * delivery job (through the outbox) commit together with the fact they announce, or not at all.
 */
export async function requestMessage(client: PoolClient, request: MessageRequest, options: { delayMs?: number } = {}): Promise<void> {
  await requestMessages(client, [request], options);
}

export async function requestMessages(client: PoolClient, requests: readonly MessageRequest[], options: { delayMs?: number } = {}): Promise<void> {
  await insertSendRecords(client, requests);
  await addToOutbox(
    client,
    requests.map((r) => ({
      queue: QUEUES.delivery,
      name: 'deliver',
      jobId: deliveryJobId(r.id),
      payload: { messageId: r.id } satisfies DeliveryJob,
      ...(options.delayMs ? { delayMs: options.delayMs } : {}),
    })),
  );
}

/** Welcome messages for a new member, one per channel; call it in the member-creation transaction. */
export async function requestWelcome(
  client: PoolClient,
  input: { memberId: string; programName: string; balance: number; welcomeBonus?: number; channels?: readonly Channel[] },
): Promise<void> {
  const channels = input.channels ?? ['email', 'inbox'];
  await requestMessages(
    client,
    channels.map((channel) => ({
      id: `welcome.${channel}.${input.memberId}`,
      message: 'welcome',
      channel,
      memberId: input.memberId,
      vars: { programName: input.programName, balance: input.balance, ...(input.welcomeBonus !== undefined ? { welcomeBonus: input.welcomeBonus } : {}) },
    })),
  );
}

/** For callers outside a transaction: write the records, then add the jobs (ids only). */
export async function sendMessages(pool: Pool, queue: Queue<DeliveryJob>, requests: readonly MessageRequest[], options: { delayMs?: number } = {}): Promise<void> {
  await insertSendRecords(pool, requests);
  await enqueueDeliveries(queue, requests.map((r) => r.id), options);
}

export async function enqueueDeliveries(queue: Queue<DeliveryJob>, messageIds: readonly string[], options: { delayMs?: number } = {}): Promise<void> {
  for (let i = 0; i < messageIds.length; i += 1000) {
    await queue.addBulk(
      messageIds.slice(i, i + 1000).map((messageId) => ({
        name: 'deliver',
        data: { messageId },
        opts: { jobId: deliveryJobId(messageId), ...(options.delayMs ? { delay: options.delayMs } : {}) },
      })),
    );
  }
}
