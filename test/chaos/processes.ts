import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import type { ChildService } from '../../src/dev/child-service.js';
import { postgresDataDir, startStack, type StackPorts } from '../../src/dev/stack.js';
import type { ToolPaths } from '../../src/dev/tools.js';

const execFileAsync = promisify(execFile);

/**
 * The services a chaos run may kill: PostgreSQL and Redis of its own (never the shared test stack's:
 * other test files use those), on fixed ports so that a restart comes back where the roles look.
 * Temporal and the SMTP server may be shared (they are not faulted).
 */
export class ChaosServices {
  private constructor(
    private readonly tools: ToolPaths,
    private readonly dataDir: string,
    private readonly ports: StackPorts,
    readonly urls: { databaseUrl: string; redisUrl: string; temporalAddress: string; smtpUrl: string; mailboxUrl: string },
    private readonly running: Map<string, ChildService>,
  ) {}

  static async start(opts: { tools: ToolPaths; dataDir: string; ports: StackPorts; external: { temporalAddress?: string | undefined; smtpUrl?: string | undefined; mailboxUrl?: string | undefined } }): Promise<ChaosServices> {
    const stack = await startStack({
      tools: opts.tools,
      dataDir: opts.dataDir,
      ports: opts.ports,
      external: { temporalAddress: opts.external.temporalAddress, smtpUrl: opts.external.smtpUrl },
      ephemeral: true,
      // Redis restarts from its append-only file and PostgreSQL from its WAL, as in production.
      crashSafe: true,
    });
    const mailboxUrl = stack.mailboxUrl ?? opts.external.mailboxUrl;
    if (!mailboxUrl) throw new Error('a shared SMTP server needs its mailbox URL');
    const running = new Map(stack.services.map((s) => [s.name, s]));
    return new ChaosServices(opts.tools, opts.dataDir, opts.ports, { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl, mailboxUrl }, running);
  }

  /** PostgreSQL: `pg_ctl -m immediate stop` (every backend quits at once, no checkpoint; the start replays the WAL). */
  async killPostgres(): Promise<void> {
    const pgCtl = join(this.tools.postgresBin, 'pg_ctl');
    const args = ['-D', postgresDataDir(this.dataDir, this.tools.postgresRunAs), '-m', 'immediate', '-w', 'stop'];
    if (this.tools.postgresRunAs) {
      const as = this.tools.postgresRunAs;
      await execFileAsync('setpriv', ['--reuid', as, '--regid', as, '--init-groups', '--', pgCtl, ...args]);
    } else {
      await execFileAsync(pgCtl, args);
    }
    await this.running.get('postgres')?.stop();
    this.running.delete('postgres');
  }

  /** Redis: SIGKILL (what it has answered is in its append-only file; the OS keeps a killed process's writes). */
  async killRedis(): Promise<void> {
    const redis = this.running.get('redis');
    if (redis?.pid) process.kill(redis.pid, 'SIGKILL');
    await redis?.stop();
    this.running.delete('redis');
  }

  /** Starts the one service again, on its port and data folder, and waits until it answers. */
  async restart(name: 'postgres' | 'redis'): Promise<void> {
    const { databaseUrl, redisUrl, temporalAddress, smtpUrl } = this.urls;
    const stack = await startStack({
      tools: this.tools,
      dataDir: this.dataDir,
      ports: this.ports,
      external: { databaseUrl: name === 'postgres' ? undefined : databaseUrl, redisUrl: name === 'redis' ? undefined : redisUrl, temporalAddress, smtpUrl },
      ephemeral: true,
      crashSafe: true,
    });
    for (const s of stack.services) this.running.set(s.name, s);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].reverse().map((s) => s.stop()));
    this.running.clear();
  }
}

export type RoleName = 'api' | 'worker' | 'journeys';

/** What each role prints (pino, info) once it is ready; the api is probed on /healthz instead. */
const READY_LINE: Record<Exclude<RoleName, 'api'>, string> = { worker: '"worker running"', journeys: '"journeys worker running"' };

export interface RoleDeath {
  role: RoleName;
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string;
}

/**
 * One Laurel role (`laurel api|worker|journeys`) as its own process, as deployed. A kill is
 * SIGKILL; an exit nobody asked for is recorded (a role must survive its services going away)
 * and the role is started again, as a supervisor would.
 */
export class RoleProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private expectingExit = false;
  private stopped = false;
  readonly deaths: RoleDeath[] = [];
  starts = 0;

  constructor(
    readonly role: RoleName,
    private readonly env: NodeJS.ProcessEnv,
    private readonly apiUrl: string | undefined,
    private readonly onDeath: (death: RoleDeath) => void = () => undefined,
  ) {}

  /** The running process's id (for its RSS and CPU in /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 180_000): Promise<void> {
    this.output = '';
    this.expectingExit = false;
    this.starts += 1;
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'laurel.js'), this.role], { cwd: PROJECT_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let ready = false;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      if (!ready || this.expectingExit || this.stopped) return;
      const death = { role: this.role, code, signal, tail: deathReason(this.output) };
      this.deaths.push(death);
      this.onDeath(death);
      void this.supervise();
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`laurel ${this.role} exited during start (${child.exitCode ?? child.signalCode}): ${this.output.slice(-2000)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`laurel ${this.role} not ready within ${timeoutMs / 1000} s: ${this.output.slice(-2000)}`);
      }
      if (this.role === 'api') {
        try {
          if ((await fetch(`${this.apiUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) break;
        } catch {
          // not listening yet
        }
      } else if (this.output.includes(READY_LINE[this.role])) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    ready = true;
  }

  /** A role that died by itself is started again (as systemd or Kubernetes would), until it stays up. */
  private async supervise(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        await this.start();
        return;
      } catch (err) {
        if (attempt >= 600) throw err;
      }
    }
  }

  private async exit(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  kill(): Promise<void> {
    return this.exit('SIGKILL');
  }

  /** The end of the run: SIGTERM (the role drains), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await this.exit('SIGTERM');
    clearTimeout(timer);
  }
}

/** What a role printed as it died: the error line and a few lines of its stack (else the last lines). */
export function deathReason(output: string): string {
  const lines = output.trim().split('\n');
  const at = lines.findIndex((l) => /(^|\s)(\w*Error|Uncaught|Unhandled)\b/.test(l) && !l.startsWith('{'));
  return (at >= 0 ? lines.slice(at, at + 6) : lines.slice(-6)).map((l) => l.trim()).join(' | ');
}
