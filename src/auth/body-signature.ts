import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How Laurel signs the HTTP requests it sends (webhooks, the SMS provider):
 * `X-Laurel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. During a
 * secret rotation there is one `v1=` per secret. The receiver recomputes it over the raw body
 * with its secret and rejects timestamps older than a few minutes (replays).
 */
export function signBody(secrets: readonly string[], body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return [`t=${t}`, ...secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`)].join(',');
}

/**
 * What a receiver does: true when a `v1` in the header matches the body under `secret` and its
 * timestamp is at most `toleranceSeconds` from `now`.
 */
export function verifyBodySignature(secret: string, header: string, body: string, now: Date, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isSafeInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && v.length === expected.length && timingSafeEqual(Buffer.from(v), expected));
}
