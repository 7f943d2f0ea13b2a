import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentAllows } from '../../../src/messaging/policies/consent.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

/** The routes the pages needed that Laurel did not have: member search, consent by member token, /v1/me, a member's draws. */
describe('API for the web pages', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let marketer: string;
  let saraToken: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    marketer = await apiKey(env, 'marketer');
    const members: [string, Record<string, unknown>][] = [
      ['sara', { email: 'Sara.K@Example.test', phone: '+989121234567', consent: { sms: { marketing: true, transactional: true }, email: { marketing: true } } }],
      ['sam', { email: 'sam@example.test' }],
      ['sa_m', {}],
      ['reza', { phone: '+989120000000' }],
    ];
    for (const [id, body] of members) expect((await api.call('PUT', `/v1/members/${encodeURIComponent(id)}`, marketer, body)).status).toBe(201);
    saraToken = ((await api.call('POST', '/v1/members/sara/tokens', admin)).body as { token: string }).token;
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const ids = (body: Record<string, unknown>) => (body.items as { id: string }[]).map((m) => m.id);

  it('finds members by e-mail (any case), phone or id prefix, with keyset paging', async () => {
    expect(ids((await api.call('GET', '/v1/members?q=sara.k@example.TEST', marketer)).body)).toEqual(['sara']);
    expect(ids((await api.call('GET', `/v1/members?q=${encodeURIComponent('+989120000000')}`, marketer)).body)).toEqual(['reza']);
    expect(ids((await api.call('GET', '/v1/members?q=sa', marketer)).body)).toEqual(['sa_m', 'sam', 'sara']);
    // LIKE wildcards in the query are literal: "sa_" is not "sa" + any character.
    expect(ids((await api.call('GET', '/v1/members?q=sa_', marketer)).body)).toEqual(['sa_m']);
    expect(ids((await api.call('GET', `/v1/members?q=${encodeURIComponent('s%')}`, marketer)).body)).toEqual([]);
    const first = await api.call('GET', '/v1/members?limit=2', marketer);
    expect(ids(first.body)).toEqual(['reza', 'sa_m']);
    const second = await api.call('GET', `/v1/members?limit=2&after=${String(first.body.nextAfter)}`, marketer);
    expect(ids(second.body)).toEqual(['sam', 'sara']);
    expect(second.body.nextAfter).toBeNull();
    expect((await api.call('GET', '/v1/members', saraToken)).status).toBe(403);
    expect((await api.call('GET', '/v1/members?limit=0', marketer)).body.code).toBe('invalid_request');
  });

  it('lets a member token change its own consent, flag by flag, audit logged; never another member', async () => {
    const res = await api.call('PUT', '/v1/members/sara/consent', saraToken, { sms: { marketing: false } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const consent = res.body.consent as Record<string, Record<string, boolean>>;
    expect(consent.sms).toEqual({ marketing: false, transactional: true });
    expect(consent.email).toEqual({ marketing: true });
    expect(consentAllows(consent, 'sms', 'marketing')).toBe(false);
    expect(consentAllows(consent, 'email', 'marketing')).toBe(true);
    expect((await api.call('PUT', '/v1/members/sam/consent', saraToken, { sms: { marketing: false } })).status).toBe(403);
    const bad = await api.call('PUT', '/v1/members/sara/consent', saraToken, { fax: { marketing: true } });
    expect(bad.status).toBe(400);
    const log = await api.call('GET', '/v1/audit-log?subject=member:sara&action=member.consent', admin);
    const entry = (log.body.items as { actor: string; after: unknown }[])[0]!;
    expect(entry.actor).toBe('member:sara');
    expect(entry.after).toEqual({ consent });
  });

  it('says who the caller is, without the key', async () => {
    expect((await api.call('GET', '/v1/me', marketer)).body).toMatchObject({ kind: 'key', role: 'marketer' });
    expect((await api.call('GET', '/v1/me', saraToken)).body).toEqual({ kind: 'member', role: 'member', memberId: 'sara' });
    expect(JSON.stringify((await api.call('GET', '/v1/me', admin)).body)).not.toContain(admin);
    expect((await api.call('GET', '/v1/me', undefined)).status).toBe(401);
  });

  it("lists a member's draws: open draws whose eligibility they meet", async () => {
    const draw = (id: string, eligibility?: unknown) =>
      api.call('POST', '/v1/draws', marketer, {
        id,
        name: `Draw ${id}`,
        tickets: { type: 'balance', pointsPerTicket: 100 },
        entryStartsAt: new Date(Date.now() - 60_000).toISOString(),
        entryEndsAt: new Date(Date.now() + 3_600_000).toISOString(),
        prizes: [{ id: 'p', name: 'Prize', quantity: 1, points: 10 }],
        randomness: { secretCommitment: 'ab'.repeat(32) },
        ...(eligibility ? { eligibility } : {}),
      });
    expect((await draw('for-all')).status).toBe(201);
    expect((await draw('for-reza', { segment: { attribute: { key: 'vip', op: 'eq', value: true } } })).status).toBe(201);
    const mine = await api.call('GET', '/v1/members/sara/draws', saraToken);
    expect(mine.status).toBe(200);
    expect((mine.body.items as { id: string; participation: string }[]).map((d) => [d.id, d.participation])).toEqual([['for-all', 'open']]);
    expect((await api.call('GET', '/v1/members/sam/draws', saraToken)).status).toBe(403);
    expect((await api.call('GET', '/v1/members/nobody/draws', admin)).body.code).toBe('unknown_member');
  });
});
