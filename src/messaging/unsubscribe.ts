import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from './templates/index.js';

/**
 * One-click unsubscribe links: `<public url>/v1/unsubscribe/<token>`, token =
 * `<base64url JSON {m, c}>.<HMAC-SHA256>`. They never expire (mail is read months later) and name
 * only the member and channel, so a forwarded mail cannot unsubscribe anyone else.
 */
export interface UnsubscribeClaims {
  memberId: string;
  channel: Channel;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`unsubscribe.${payload}`).digest('base64url');
}

export function createUnsubscribeToken(secret: string, claims: UnsubscribeClaims): string {
  const payload = Buffer.from(JSON.stringify({ m: claims.memberId, c: claims.channel })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaims | undefined {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { m?: unknown; c?: unknown };
    if (typeof raw.m !== 'string' || (raw.c !== 'email' && raw.c !== 'sms' && raw.c !== 'inbox')) return undefined;
    return { memberId: raw.m, channel: raw.c };
  } catch {
    return undefined;
  }
}

export function unsubscribeUrl(publicUrl: string, secret: string, claims: UnsubscribeClaims): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/unsubscribe/${createUnsubscribeToken(secret, claims)}`;
}

/** RFC 8058 one-click headers for a marketing email. */
export function listUnsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
