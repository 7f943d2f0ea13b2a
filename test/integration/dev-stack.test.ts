import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { findFreePort } from '../../src/dev/ports.js';

/** `laurel dev` as a user runs it: a child process with its own data folder and ports. */
class DevProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/laurel.js'), 'dev'], {
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', TEMPORAL_ADDRESS: '', SMTP_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  async waitFor(text: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`laurel dev exited early:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no '${text}' within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  servicePids(): number[] {
    return [...this.output.matchAll(/ready \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function allGone(pids: number[], timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((p) => !alive(p))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function devEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  return {
    LAUREL_DATA_DIR: dataDir,
    PORT: String(await findFreePort()),
    LAUREL_PG_PORT: String(await findFreePort()),
    LAUREL_REDIS_PORT: String(await findFreePort()),
    LAUREL_TEMPORAL_PORT: String(await findFreePort()),
    LAUREL_TEMPORAL_UI_PORT: String(await findFreePort()),
    LAUREL_SMTP_PORT: String(await findFreePort()),
    LAUREL_MAILBOX_PORT: String(await findFreePort()),
  };
}

describe('laurel dev: the embedded stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  let env: NodeJS.ProcessEnv;

  it('starts every service, answers /readyz, and SIGTERM stops everything with no orphans', async () => {
    env = await devEnv(dataDir);
    const dev = new DevProcess(env);
    await dev.waitFor('laurel: ready');
    const pids = dev.servicePids();
    expect(pids).toHaveLength(4); // postgres, redis, temporal, maildev
    expect(dev.output).toMatch(/migrations: \d+ applied, 0 already in place/);
    expect(dev.output).toContain('Temporal UI  http://127.0.0.1:');
    expect(dev.output).toContain('Mailbox      http://127.0.0.1:');

    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
    expect(ready.status).toBe(200);
    const docs = await fetch(`http://127.0.0.1:${env.PORT}/docs/json`);
    expect(docs.status).toBe(200);
    const mailbox = await fetch(`http://127.0.0.1:${env.LAUREL_MAILBOX_PORT}/api/email`);
    expect(mailbox.status).toBe(200);

    dev.child.kill('SIGTERM');
    expect(await dev.exited, dev.output.slice(-4000)).toEqual({ code: 0, signal: null });
    expect(await allGone(pids)).toBe(true);
  });

  it('a second start reuses the data (nothing to migrate)', async () => {
    const dev = new DevProcess(env);
    await dev.waitFor('laurel: ready');
    expect(dev.output).toMatch(/migrations: 0 applied, [1-9]\d* already in place/);
    expect(dev.output).not.toContain('initdb');
    const pids = dev.servicePids();
    dev.child.kill('SIGINT');
    // The output's tail names what went wrong if the stop is not clean (seen once under load 20: code null).
    expect(await dev.exited, dev.output.slice(-4000)).toEqual({ code: 0, signal: null });
    expect(await allGone(pids)).toBe(true);
  });

  it('even a SIGKILLed laurel leaves no service running (parent-death signal)', async () => {
    const dev = new DevProcess(env);
    await dev.waitFor('laurel: ready');
    const pids = dev.servicePids();
    dev.child.kill('SIGKILL');
    await dev.exited;
    expect(await allGone(pids)).toBe(true);
  });

  it('a port in use is named in one line with what to do, and nothing keeps running', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(env.LAUREL_REDIS_PORT), '127.0.0.1', () => r()));
    try {
      const dev = new DevProcess(env);
      const { code } = await dev.exited;
      expect(code).toBe(1);
      expect(dev.output).toContain(`laurel: redis: port ${env.LAUREL_REDIS_PORT} is in use; stop what holds it or set LAUREL_REDIS_PORT to another port`);
      expect(dev.output).not.toMatch(/\n\s+at /); // no stack trace
      expect(await allGone(dev.servicePids())).toBe(true);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
