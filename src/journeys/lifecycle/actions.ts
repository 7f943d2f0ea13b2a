import type { PoolClient } from '../../db/index.js';
import { requestAwards, type AwardRequest } from '../../ledger/index.js';
import { requestMessages, type MessageRequest } from '../../messaging/index.js';
import { messageDefinition } from '../../messaging/templates/index.js';
import { findOffer, grantOffer, messageOffer, offerVars } from '../../offers/index.js';
import { currentProgram } from '../../program/store.js';
import type { JourneyDefinition, JourneyStep } from './definition.js';

type SendStep = Extract<JourneyStep, { type: 'send' }>;
type AwardStep = Extract<JourneyStep, { type: 'award_points' }>;
type GrantStep = Extract<JourneyStep, { type: 'grant_offer' }>;

/** The member's addresses: a channel without one is skipped rather than dead-lettered. */
export interface Reachable {
  memberId: string;
  email: string | null;
  phone: string | null;
}

export interface ActionEntry {
  journeyId: string;
  journeyName: string;
  entryKey: string;
  memberId: string;
  context: Record<string, unknown>;
}

/** `journey.<journey>.<entry>.<step>.<channel>.<member>` (member ids may hold dots: last). */
export function journeyMessageId(journeyId: string, entryKey: string, stepId: string, channel: string, memberId: string): string {
  return `journey.${journeyId}.${entryKey}.${stepId}.${channel}.${memberId}`;
}

export function journeyAwardId(journeyId: string, memberId: string, entryKey: string, stepId: string): string {
  return `journey:${journeyId}:${memberId}:${entryKey}:${stepId}`;
}

/** The points a journey's award steps give (the `bonusPoints` its messages may quote). */
export function bonusPointsOf(definition: JourneyDefinition): number {
  return definition.steps.reduce((sum, s) => sum + (s.type === 'award_points' ? s.points : 0), 0);
}

/** Variables of a send: the entry's context, then the step's own, kept to what the message declares. */
export function sendVars(step: SendStep, entry: ActionEntry, definition: JourneyDefinition): Record<string, unknown> {
  const declared = messageDefinition(step.message)?.variables ?? {};
  const all: Record<string, unknown> = { journeyName: entry.journeyName, bonusPoints: bonusPointsOf(definition), ...entry.context, ...step.vars };
  return Object.fromEntries(Object.entries(all).filter(([name]) => Object.hasOwn(declared, name)));
}

/** The channels of `message` the member has an address for (the inbox always). */
function reachableChannels(message: string, channels: readonly ('email' | 'sms' | 'inbox')[], member: Reachable) {
  const built = messageDefinition(message)?.channels ?? [];
  return channels.filter((channel) => built.includes(channel) && (channel === 'inbox' || (channel === 'email' ? member.email : member.phone)));
}

export function sendRequests(step: SendStep, entry: ActionEntry, member: Reachable, definition: JourneyDefinition): MessageRequest[] {
  const vars = sendVars(step, entry, definition);
  return reachableChannels(step.message, step.channels, member)
    .map((channel) => ({ id: journeyMessageId(entry.journeyId, entry.entryKey, step.id, channel, entry.memberId), message: step.message, channel, memberId: entry.memberId, vars }));
}

export function awardRequest(step: AwardStep, entry: ActionEntry): AwardRequest {
  return {
    id: journeyAwardId(entry.journeyId, entry.memberId, entry.entryKey, step.id),
    memberId: entry.memberId,
    points: step.points,
    source: `journey:${entry.journeyId}`,
    reason: step.reason ?? entry.journeyName,
  };
}

/**
 * A grant_offer step, in the caller's transaction (the entry's turn): the member holds the offer
 * (source `journey:<id>`; once per member and offer, so a retried turn grants nothing twice), and
 * on the step's channels the `offer` message names it with the member's code and end. A member the
 * offer may not go to (its tiers, its window, the tier's cap of active offers) gets neither; an
 * offer deleted since the journey was saved is skipped.
 */
export async function grantOfferStep(client: PoolClient, step: GrantStep, entry: ActionEntry, member: Reachable, now: Date): Promise<{ granted: boolean; messages: number }> {
  const offer = await findOffer(client, step.offerId);
  if (!offer) return { granted: false, messages: 0 };
  const program = (await currentProgram(client)).definition;
  const result = await grantOffer(client, offer, [{ memberId: entry.memberId, variant: null }], { campaignId: null, stepIndex: null, source: `journey:${entry.journeyId}`, now, program });
  const grant = result.grants[0];
  if (!grant) return { granted: false, messages: 0 };
  const vars = offerVars(messageOffer(offer, grant));
  const requests: MessageRequest[] = reachableChannels('offer', step.channels, member).map((channel) => ({
    id: journeyMessageId(entry.journeyId, entry.entryKey, step.id, channel, entry.memberId),
    message: 'offer',
    channel,
    memberId: entry.memberId,
    vars,
    offerId: offer.id,
  }));
  await requestMessages(client, requests);
  return { granted: grant.created, messages: requests.length };
}

/**
 * The sends and awards of immediate steps for many entries at once, in the caller's transaction
 * (send records and award rows with their outbox jobs): the date sweep's set-based path. Ids are
 * per entry and step, so doing it again writes nothing new.
 */
export async function performImmediateSteps(client: PoolClient, definition: JourneyDefinition, entries: readonly (ActionEntry & { member: Reachable })[]): Promise<{ messages: number; awards: number }> {
  const messages: MessageRequest[] = [];
  const awards: AwardRequest[] = [];
  for (const entry of entries) {
    for (const step of definition.steps) {
      if (step.type === 'send') messages.push(...sendRequests(step, entry, entry.member, definition));
      else if (step.type === 'award_points') awards.push(awardRequest(step, entry));
    }
  }
  // Awards first: a message quoting the bonus goes out with the points on their way.
  await requestAwards(client, awards);
  await requestMessages(client, messages);
  return { messages: messages.length, awards: awards.length };
}
