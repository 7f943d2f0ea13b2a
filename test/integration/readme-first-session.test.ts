import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { Api, apiKey, publishExample } from '../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

interface CurlCall {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body: unknown;
}

/** The README's "A first session" block, its curl commands parsed (continuation lines joined). */
function firstSession(readme: string): CurlCall[] {
  const block = /A first session:\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no "A first session" sh block');
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.startsWith('curl '));
  return lines.map((line) => {
    const method = (/-X (GET|POST|PUT)/.exec(line)?.[1] ?? 'GET') as CurlCall['method'];
    const path = /localhost:3000(\/\S+)/.exec(line)![1]!;
    const data = /-d '([^']*)'/.exec(line)?.[1];
    return { method, path, body: data === undefined ? undefined : JSON.parse(data) };
  });
}

function claimed(readme: string, pattern: RegExp): number[] {
  const match = pattern.exec(readme);
  if (!match) throw new Error(`README no longer says ${pattern}`);
  return match.slice(1).map(Number);
}

describe('the README first session earns what the README says', () => {
  let env: TestEnv;
  let api: Api;
  let key: string;
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    key = await apiKey(env, 'admin');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('runs the commands and finds the numbers the text promises', async () => {
    const calls = firstSession(readme);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /v1/members/sara', 'POST /v1/events', 'POST /v1/events', 'GET /v1/members/sara/summary']);
    const responses = [];
    for (const call of calls) {
      const res = await api.call(call.method, call.path, key, call.body);
      expect(res.status, `${call.method} ${call.path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      responses.push(res.body);
    }
    const [purchasePoints] = claimed(readme, /the purchase earns \*\*(\d+) points\*\*/);
    const [loginPoints] = claimed(readme, /the login earns \*\*(\d+) points?\*\*/);
    const [available, pending] = claimed(readme, /\*\*available (\d+), pending (\d+)\*\*/);
    expect(responses[1]).toMatchObject({ type: 'purchase', points: { total: purchasePoints, pending: purchasePoints } });
    expect(responses[2]).toMatchObject({ type: 'login', points: { total: loginPoints, pending: 0 } });
    expect(responses[3]).toMatchObject({ balance: { available, pending }, tier: { currentTier: { id: 'bronze' }, nextTier: { id: 'silver' } } });
  });
});
