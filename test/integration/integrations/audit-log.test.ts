import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

describe('GET /v1/audit-log: admin only, filters, keyset paging', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let marketer: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    marketer = await apiKey(env, 'marketer');
    for (const id of ['a1', 'a2', 'a3', 'b_1']) expect((await api.call('PUT', `/v1/members/${id}`, marketer, { locale: 'en' })).status).toBe(201);
    expect((await api.call('PUT', '/v1/members/a1', marketer, { locale: 'fa' })).status).toBe(200);
    expect((await api.call('POST', '/v1/members/a1/adjustments', admin, { points: 10, reason: 'goodwill', idempotencyKey: 'adj-1' })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('refuses other roles and bad filters', async () => {
    expect((await api.call('GET', '/v1/audit-log', undefined)).status).toBe(401);
    expect((await api.call('GET', '/v1/audit-log', marketer)).status).toBe(403);
    const bad = await api.call('GET', '/v1/audit-log?limit=0', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    expect((await api.call('GET', '/v1/audit-log?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', admin)).status).toBe(422);
    expect((await api.call('GET', '/v1/audit-log?colour=red', admin)).status).toBe(400);
  });

  it('filters by subject, action family and actor; pages newest first without gaps or repeats', async () => {
    const a1 = await api.call('GET', '/v1/audit-log?subject=member:a1', admin);
    expect(a1.status).toBe(200);
    const items = a1.body.items as { id: number; action: string; subject: string; before: unknown; after: { locale?: string } }[];
    expect(items.map((i) => i.action)).toEqual(['points.adjust', 'member.update', 'member.create']);
    expect(items.find((i) => i.action === 'member.update')?.after.locale).toBe('fa');

    const creates = (await api.call('GET', '/v1/audit-log?action=member.create&limit=500', admin)).body.items as { subject: string }[];
    expect(creates.map((c) => c.subject).sort()).toEqual(['member:a1', 'member:a2', 'member:a3', 'member:b_1']);
    const family = (await api.call('GET', '/v1/audit-log?action=member.*&limit=500', admin)).body.items as unknown[];
    expect(family).toHaveLength(5);
    const kind = (await api.call('GET', '/v1/audit-log?subject=member:*&limit=500', admin)).body.items as { subject: string }[];
    expect(kind.every((k) => k.subject.startsWith('member:'))).toBe(true);

    const all = (await api.call('GET', '/v1/audit-log?limit=500', admin)).body.items as { id: number; actor: string }[];
    const actor = all.find((e) => e.actor.startsWith('key:'))!.actor;
    expect(((await api.call('GET', `/v1/audit-log?actor=${encodeURIComponent(actor)}&limit=500`, admin)).body.items as { actor: string }[]).every((e) => e.actor === actor)).toBe(true);

    const paged: number[] = [];
    let before: number | null = null;
    do {
      const page = await api.call('GET', `/v1/audit-log?limit=2${before ? `&before=${before}` : ''}`, admin);
      paged.push(...(page.body.items as { id: number }[]).map((i) => i.id));
      before = page.body.nextBefore as number | null;
    } while (before !== null);
    expect(paged).toEqual(all.map((e) => e.id));
    expect([...paged].sort((x, y) => y - x)).toEqual(paged);

    const future = await api.call('GET', `/v1/audit-log?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, admin);
    expect(future.body).toEqual({ items: [], nextBefore: null });
  });
});
