import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import type { Channel } from '../templates/index.js';

const EmailSchema = z.email();
const E164 = /^\+[1-9]\d{6,14}$/;

/** Lower-cased email / E.164 phone: the form the suppression list is keyed by. */
export function normalizeAddress(channel: Channel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.trim();
}

/** Checks an address for the channel; a bad one is a permanent failure (retrying cannot fix it). */
export function checkAddress(channel: Channel, address: string | null | undefined): string {
  if (channel === 'inbox') {
    // 422 throughout: the member's or the given address breaks the channel's rule.
    if (!address) throw new ValidationError('invalid_recipient', 'an inbox message needs a member', undefined, 422);
    return address;
  }
  if (!address) throw new ValidationError('missing_recipient', `the member has no ${channel === 'email' ? 'email address' : 'phone number'}`, { channel }, 422);
  if (channel === 'email' && !EmailSchema.safeParse(address.trim()).success) {
    throw new ValidationError('invalid_recipient', `"${address}" is not a valid email address`, { channel, address }, 422);
  }
  if (channel === 'sms' && !E164.test(address.trim())) {
    throw new ValidationError('invalid_recipient', `"${address}" is not an E.164 phone number (e.g. +989121234567)`, { channel, address }, 422);
  }
  return normalizeAddress(channel, address);
}
