import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived member tokens: `mt.<payload>.<signature>`, payload = base64url JSON {sub, exp}
 * signed with HMAC-SHA256. A token reads only its own member and may redeem; nothing else.
 */
export interface MemberTokenClaims {
  sub: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`mt.${payload}`).digest('base64url');
}

export function issueMemberToken(secret: string, memberId: string, ttlSeconds: number, now = new Date()): { token: string; expiresAt: Date } {
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const payload = Buffer.from(JSON.stringify({ sub: memberId, exp } satisfies MemberTokenClaims)).toString('base64url');
  return { token: `mt.${payload}.${sign(secret, payload)}`, expiresAt: new Date(exp * 1000) };
}

/** The claims of a valid, unexpired token; undefined for anything else. */
export function verifyMemberToken(secret: string, token: string, now = new Date()): MemberTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'mt') return undefined;
  const [, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<MemberTokenClaims>;
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return undefined;
    if (claims.exp * 1000 <= now.getTime()) return undefined;
    return { sub: claims.sub, exp: claims.exp };
  } catch {
    return undefined;
  }
}
