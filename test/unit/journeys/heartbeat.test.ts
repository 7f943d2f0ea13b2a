import { describe, expect, it } from 'vitest';
import type { Context } from '@temporalio/activity';
import { heartbeatWhileRunning } from '../../../src/journeys/heartbeat.js';

/** Runs one activity through the interceptor with a context that counts heartbeats. */
async function heartbeatsOf(isLocal: boolean, runMs: number, intervalMs: number): Promise<number> {
  let beats = 0;
  const ctx = { info: { isLocal }, heartbeat: () => { beats += 1; } } as unknown as Context;
  const interceptors = heartbeatWhileRunning(intervalMs)(ctx);
  const result = await interceptors.inbound!.execute!(
    { args: [], headers: {} },
    async () => { await new Promise((resolve) => setTimeout(resolve, runMs)); return 'done'; },
  );
  expect(result).toBe('done');
  return beats;
}

describe('heartbeatWhileRunning', () => {
  it('heartbeats a (remote) activity at once and while it runs', async () => {
    expect(await heartbeatsOf(false, 60, 10)).toBeGreaterThanOrEqual(2);
  });

  it('never heartbeats a local activity (Temporal has no task of it to heartbeat)', async () => {
    expect(await heartbeatsOf(true, 60, 10)).toBe(0);
  });
});
