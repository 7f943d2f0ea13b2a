import type { ApiKeyRole } from './api-keys.js';

/** Who is calling: an API key with a role, or a member holding a member token. */
export type Principal =
  | { kind: 'key'; keyId: string; role: ApiKeyRole; name: string; partnerId: string | null; dailyPointCap: number | null; rateLimitPerMinute?: number | null }
  | { kind: 'member'; memberId: string };

export type Role = ApiKeyRole | 'member';

export function principalRole(p: Principal): Role {
  return p.kind === 'key' ? p.role : 'member';
}

/** The actor recorded in the audit log and on manual ledger entries. */
export function actorOf(p: Principal): string {
  return p.kind === 'key' ? `key:${p.keyId}` : `member:${p.memberId}`;
}
