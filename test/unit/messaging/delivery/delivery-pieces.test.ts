import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signBody, verifyBodySignature } from '../../../../src/auth/index.js';
import { classifySmtpError } from '../../../../src/messaging/channels/index.js';
import { retryDelayMs } from '../../../../src/messaging/delivery/retry.js';
import { deliveryJobId } from '../../../../src/messaging/delivery/queue.js';
import { batchWindow, pointsEarnedMessageId } from '../../../../src/messaging/notifications/points-earned.js';
import { tierChangeMessageId } from '../../../../src/messaging/notifications/tier-changes.js';
import { createUnsubscribeToken, listUnsubscribeHeaders, unsubscribeUrl, verifyUnsubscribeToken } from '../../../../src/messaging/unsubscribe.js';

describe('retry backoff', () => {
  it('doubles per attempt from the base, jitter only shortens', () => {
    expect(retryDelayMs(1, 1000, 0)).toBe(1000);
    expect(retryDelayMs(2, 1000, 0)).toBe(2000);
    expect(retryDelayMs(4, 1000, 0)).toBe(8000);
    expect(retryDelayMs(4, 1000, 0.999)).toBe(4004);
    expect(retryDelayMs(40, 1000, 0)).toBe(3_600_000);
  });
  it('property: within [full*(1-jitter), full], never above the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 10, max: 60_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, base, r) => {
        const full = Math.min(base * 2 ** (attempt - 1), 3_600_000);
        const d = retryDelayMs(attempt, base, r);
        expect(d).toBeLessThanOrEqual(full);
        expect(d).toBeGreaterThanOrEqual(Math.floor(full / 2));
      }),
    );
  });
});

describe('SMTP error classification', () => {
  it('a server answer: 5xx permanent, 4xx transient', () => {
    expect(classifySmtpError({ message: 'mailbox unavailable', responseCode: 550, command: 'RCPT TO' }).kind).toBe('permanent');
    expect(classifySmtpError({ message: 'try later', responseCode: 421, command: 'CONN' })).toMatchObject({ kind: 'transient', code: 'smtp_421' });
    expect(classifySmtpError({ message: 'greylisted', responseCode: 451, command: 'DATA' }).kind).toBe('transient');
  });
  it('no connection: transient; a connection lost during or after DATA: ambiguous', () => {
    expect(classifySmtpError({ message: 'connect ECONNREFUSED', code: 'ESOCKET' }).kind).toBe('ambiguous');
    expect(classifySmtpError({ message: 'connect ECONNREFUSED', code: 'ECONNECTION', command: 'CONN' }).kind).toBe('transient');
    expect(classifySmtpError({ message: 'Connection closed', code: 'ECONNECTION', command: 'DATA' }).kind).toBe('ambiguous');
    expect(classifySmtpError({ message: 'Timeout', code: 'ETIMEDOUT' }).kind).toBe('ambiguous');
    expect(classifySmtpError({ message: 'no recipients', code: 'EENVELOPE' }).kind).toBe('permanent');
  });
});

describe('request signature (SMS, webhooks)', () => {
  it('HMAC-SHA256 over "<t>.<body>" (known vector)', () => {
    const sig = signBody(['secret-secret-secret'], '{"id":"m1","to":"+989121234567","text":"hi"}', new Date('2026-11-20T08:30:00Z'));
    expect(sig).toMatch(/^t=1795163400,v1=[0-9a-f]{64}$/);
    expect(sig).toBe(signBody(['secret-secret-secret'], '{"id":"m1","to":"+989121234567","text":"hi"}', new Date('2026-11-20T08:30:00.999Z')));
    expect(sig).not.toBe(signBody(['secret-secret-secret'], '{"id":"m1","to":"+989121234567","text":"hI"}', new Date('2026-11-20T08:30:00Z')));
  });

  it('carries one v1 per secret during a rotation; a receiver accepts either, rejects stale or altered requests', () => {
    const body = '{"id":"points.earned.e1","type":"points.earned"}';
    const at = new Date('2026-11-20T08:30:00Z');
    const header = signBody(['new-secret-0123456789', 'old-secret-0123456789'], body, at);
    expect(header.split(',')).toHaveLength(3);
    expect(verifyBodySignature('new-secret-0123456789', header, body, at)).toBe(true);
    expect(verifyBodySignature('old-secret-0123456789', header, body, new Date(at.getTime() + 299_000))).toBe(true);
    expect(verifyBodySignature('old-secret-0123456789', header, body, new Date(at.getTime() + 301_000))).toBe(false);
    expect(verifyBodySignature('other-secret-012345678', header, body, at)).toBe(false);
    expect(verifyBodySignature('new-secret-0123456789', header, body.replace('e1', 'e2'), at)).toBe(false);
    expect(verifyBodySignature('new-secret-0123456789', 'v1=abc', body, at)).toBe(false);
  });
});

describe('one-click unsubscribe tokens', () => {
  const secret = 'x'.repeat(40);
  it('round-trip and reject tampering or another secret', () => {
    const token = createUnsubscribeToken(secret, { memberId: 'm.1@x', channel: 'email' });
    expect(verifyUnsubscribeToken(secret, token)).toEqual({ memberId: 'm.1@x', channel: 'email' });
    expect(verifyUnsubscribeToken('y'.repeat(40), token)).toBeUndefined();
    const [payload, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ m: 'someone-else', c: 'email' })).toString('base64url');
    expect(verifyUnsubscribeToken(secret, `${forged}.${sig}`)).toBeUndefined();
    expect(verifyUnsubscribeToken(secret, `${payload}.${sig}x`)).toBeUndefined();
    expect(verifyUnsubscribeToken(secret, 'garbage')).toBeUndefined();
  });
  it('property: any member id round-trips', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), fc.constantFrom('email', 'sms', 'inbox' as const), (memberId, channel) => {
        expect(verifyUnsubscribeToken(secret, createUnsubscribeToken(secret, { memberId, channel }))).toEqual({ memberId, channel });
      }),
    );
  });
  it('RFC 8058 headers', () => {
    const url = unsubscribeUrl('https://r.example/', secret, { memberId: 'm1', channel: 'email' });
    expect(url).toMatch(/^https:\/\/r\.example\/v1\/unsubscribe\/[\w-]+\.[\w-]+$/);
    expect(listUnsubscribeHeaders(url)).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });
});

describe('stable ids', () => {
  it('points_earned batches: the same window for every instant inside it', () => {
    const a = batchWindow(new Date('2026-12-02T10:00:00.000Z'), 60);
    const b = batchWindow(new Date('2026-12-02T10:00:59.999Z'), 60);
    const c = batchWindow(new Date('2026-12-02T10:01:00.000Z'), 60);
    expect(a).toEqual(b);
    expect(c.index).toBe(a.index + 1);
    expect(a.to).toEqual(c.from);
    expect(pointsEarnedMessageId(a.index, 'email', 'm.1')).toBe(`points_earned.${a.index}.email.m.1`);
  });
  it('job ids are the message ids, valid for BullMQ (no colon, never all digits)', () => {
    expect(deliveryJobId('tier_change.42.email')).toBe('tier_change.42.email');
    expect(deliveryJobId(tierChangeMessageId(7, 'sms'))).toBe('tier_change.7.sms');
    expect(deliveryJobId('a:b')).toBe('a_b');
    expect(deliveryJobId('123')).toBe('j123');
  });
});
