import type { MessageRequest } from '../../messaging/index.js';
import { messageDefinition, type Channel } from '../../messaging/templates/index.js';

/**
 * One request per configured channel the message has templates for, with stable ids
 * `<message>.<fact>.<channel>`: requesting the same fact again writes nothing new.
 */
export function channelRequests(channels: readonly Channel[], message: string, fact: string, memberId: string, vars: Record<string, unknown>): MessageRequest[] {
  const definition = messageDefinition(message);
  return channels
    .filter((channel) => definition?.channels.includes(channel) ?? false)
    .map((channel) => ({ id: `${message}.${fact}.${channel}`, message, channel, memberId, vars }));
}
