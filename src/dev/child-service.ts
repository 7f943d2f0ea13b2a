import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ServiceError } from '../errors/index.js';

export interface ChildServiceSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this unprivileged user (PostgreSQL refuses to run as root). */
  runAs?: string;
  /** Signal for a fast, clean stop (PostgreSQL: SIGINT is "fast shutdown"). */
  stopSignal?: NodeJS.Signals;
}

/**
 * A service process owned by this one. It is started under `setpriv --pdeathsig TERM` so that
 * even if Laurel itself is killed with SIGKILL, the kernel stops the service: no orphans.
 */
export class ChildService {
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly stopSignal: NodeJS.Signals;
  private readonly logFile: string;
  private exited = false;
  private readonly exitPromise: Promise<number | null>;

  private constructor(spec: ChildServiceSpec, child: ChildProcess, log: WriteStream) {
    this.name = spec.name;
    this.child = child;
    this.log = log;
    this.logFile = spec.logFile;
    this.stopSignal = spec.stopSignal ?? 'SIGTERM';
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exited = true;
        resolve(code);
      });
    });
  }

  static start(spec: ChildServiceSpec): ChildService {
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    const wrapper = ['--pdeathsig', 'TERM'];
    if (spec.runAs) wrapper.push('--reuid', spec.runAs, '--regid', spec.runAs, '--init-groups');
    const child = spawn('setpriv', [...wrapper, '--', spec.command, ...spec.args], {
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C in a terminal signals the whole foreground group, and the
      // services must outlive the roles that use them until Laurel stops them in order.
      detached: true,
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('error', () => undefined); // reported through waitUntilReady / exit
    return new ChildService(spec, child, log);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** The last lines of the service's log, to explain a failed start. */
  tail(lines = 5): string {
    if (!existsSync(this.logFile)) return '';
    return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  }

  /**
   * Polls `probe` until it succeeds; fails fast with the log's tail if the process exits.
   * A service that never becomes ready is stopped before the error propagates.
   */
  async waitUntilReady(probe: () => Promise<void>, timeoutMs: number): Promise<void> {
    try {
      await this.pollUntilReady(probe, timeoutMs);
    } catch (err) {
      await this.stop(5000);
      throw err;
    }
  }

  private async pollUntilReady(probe: () => Promise<void>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.exited) throw new ServiceError(this.name, `exited during start: ${this.tail() || 'no output'} (log: ${this.logFile})`);
      try {
        await probe();
        return;
      } catch (err) {
        lastError = err;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    throw new ServiceError(this.name, `not ready after ${Math.round(timeoutMs / 1000)} s (${why}); log: ${this.logFile}`);
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.exited) {
      this.child.kill(this.stopSignal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.log.end();
    await once(this.log, 'close').catch(() => undefined);
  }
}
