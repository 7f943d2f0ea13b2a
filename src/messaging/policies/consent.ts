import type { Consent } from '../../members/index.js';
import type { Channel, MessageKind } from '../templates/index.js';

/**
 * Marketing needs an explicit opt-in for the channel; transactional messages go unless the member
 * opted out of them on that channel. Test-sends go to an operator's address, not a member.
 */
export function consentAllows(consent: Consent | null | undefined, channel: Channel, kind: MessageKind | 'test'): boolean {
  if (kind === 'test') return true;
  const perChannel = consent?.[channel];
  if (kind === 'marketing') return perChannel?.marketing === true;
  return perChannel?.transactional !== false;
}
