import type { HeldGrant } from './grants.js';
import type { Offer } from './store.js';

/** What a message says about an offer the member was granted (a campaign step, a journey step). */
export interface MessageOffer {
  offerId: string;
  name: string;
  description: string | null;
  code: string | null;
  validUntil: string | null;
}

/** `offer` as `grant` holds it: it ends at the grant's or the offer's end, whichever comes first. */
export function messageOffer(offer: Offer, grant: HeldGrant): MessageOffer {
  const ends = [grant.expiresAt, offer.validUntil].filter((t): t is Date => t !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  return { offerId: offer.id, name: offer.name, description: offer.definition.description ?? null, code: grant.code, validUntil: ends?.toISOString() ?? null };
}

/** The `offer` message's variables (any campaign or journey template may use them). */
export function offerVars(offer: MessageOffer): Record<string, string> {
  const vars: Record<string, string> = { offerName: offer.name };
  if (offer.description) vars.offerDescription = offer.description;
  if (offer.code) vars.offerCode = offer.code;
  if (offer.validUntil) vars.offerValidUntil = offer.validUntil;
  return vars;
}
