import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Connection } from '@temporalio/client';
import { ServiceError } from '../errors/index.js';
import { ChildService } from './child-service.js';
import { assertPortFree } from './ports.js';
import type { ToolPaths } from './tools.js';

export interface StackPorts {
  postgres: number;
  redis: number;
  temporal: number;
  temporalUi: number;
  smtp: number;
  mailbox: number;
}

export interface StackOptions {
  tools: ToolPaths;
  dataDir: string;
  ports: StackPorts;
  /** URLs given from outside: nothing is spawned for a service that has one. */
  external: { databaseUrl?: string | undefined; redisUrl?: string | undefined; temporalAddress?: string | undefined; smtpUrl?: string | undefined };
  /** Tests: Temporal keeps no file and its UI stays off. */
  ephemeral?: boolean;
  /**
   * Even when ephemeral, what PostgreSQL and Redis acknowledged survives their process being killed
   * (the chaos run kills both): PostgreSQL commits synchronously (its WAL reaches the OS before the
   * commit returns) and Redis writes and fsyncs its append-only file before it answers.
   */
  crashSafe?: boolean;
  onProgress?: (line: string) => void;
}

export interface RunningStack {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  /** MailDev's web UI and REST API (`/api/email`), when Laurel spawned it. */
  mailboxUrl: string | undefined;
  temporalUiUrl: string | undefined;
  services: ChildService[];
  stop(): Promise<void>;
}

const DB_NAME = 'laurel';
const DB_USER = 'laurel';

function uidGid(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  return { uid, gid };
}

/**
 * PostgreSQL runs as an unprivileged user when we are root; that user must be able to reach the
 * data folder. A checkout under a private home (/root is 0700) is not reachable, so the cluster
 * then lives in a folder of its own under /var/tmp, keyed by the checkout's data folder.
 */
export function postgresDataDir(dataDir: string, runAs: string): string {
  const wanted = resolve(dataDir, 'postgres');
  if (!runAs) return wanted;
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  try {
    execFileSync('setpriv', ['--reuid', runAs, '--regid', runAs, '--init-groups', '--', 'test', '-x', resolve(dataDir)], { stdio: 'ignore' });
    return wanted;
  } catch {
    const key = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
    mkdirSync('/var/tmp/laurel', { recursive: true, mode: 0o755 });
    return join('/var/tmp/laurel', `postgres-${key}`);
  }
}

async function startPostgres(opts: StackOptions, logs: string): Promise<ChildService> {
  const { tools, ports } = opts;
  const dir = postgresDataDir(opts.dataDir, tools.postgresRunAs);
  const owner = tools.postgresRunAs ? uidGid(tools.postgresRunAs) : undefined;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true });
    if (owner) chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
    opts.onProgress?.('postgres: initdb (first run)');
    const args = ['-D', dir, '-U', DB_USER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
    const wrapper = tools.postgresRunAs ? ['--reuid', tools.postgresRunAs, '--regid', tools.postgresRunAs, '--init-groups'] : [];
    try {
      execFileSync('setpriv', [...wrapper, '--', join(tools.postgresBin, 'initdb'), ...args], { stdio: 'pipe' });
    } catch (err) {
      const out = err && typeof err === 'object' && 'stderr' in err ? String((err as { stderr: unknown }).stderr).trim().split('\n').pop() : '';
      throw new ServiceError('postgres', `initdb failed in ${dir}: ${out}; remove the folder to start over`);
    }
  }
  await assertPortFree('postgres', ports.postgres, 'LAUREL_PG_PORT');
  const service = ChildService.start({
    name: 'postgres',
    command: join(tools.postgresBin, 'postgres'),
    args: [
      '-D', dir,
      '-p', String(ports.postgres),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${dir}`,
      '-c', 'max_connections=300',
      '-c', 'shared_buffers=256MB',
      // A dev stack trades crash durability for speed; production runs its own PostgreSQL.
      // fsync and full-page writes only matter when the machine itself crashes, not the process.
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'full_page_writes=off'] : []),
      ...(opts.ephemeral && !opts.crashSafe ? ['-c', 'synchronous_commit=off'] : []),
    ],
    logFile: join(logs, 'postgres.log'),
    stopSignal: 'SIGINT',
    ...(tools.postgresRunAs ? { runAs: tools.postgresRunAs } : {}),
  });
  const adminUrl = `postgres://${DB_USER}@127.0.0.1:${ports.postgres}/postgres`;
  await service.waitUntilReady(async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${DB_NAME}`);
    } finally {
      await client.end();
    }
  }, 30_000);
  return service;
}

async function startRedis(opts: StackOptions, logs: string): Promise<ChildService> {
  const dir = join(opts.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  await assertPortFree('redis', opts.ports.redis, 'LAUREL_REDIS_PORT');
  const service = ChildService.start({
    name: 'redis',
    command: opts.tools.redisServer,
    args: [
      '--bind', '127.0.0.1',
      '--port', String(opts.ports.redis),
      '--dir', resolve(dir),
      '--appendonly', opts.ephemeral && !opts.crashSafe ? 'no' : 'yes',
      ...(opts.crashSafe ? ['--appendfsync', 'always'] : []),
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
    ],
    logFile: join(logs, 'redis.log'),
  });
  await service.waitUntilReady(async () => {
    const redis = new Redis(opts.ports.redis, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined); // the probe's own rejection reports it
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  }, 20_000);
  return service;
}

/**
 * The dev server picks its HTTP API and metrics ports at random; another process can take one
 * between its pick and its bind. That (and only that) is retried: the next start picks anew.
 */
async function startTemporal(opts: StackOptions, logs: string): Promise<ChildService> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startTemporalOnce(opts, logs);
    } catch (err) {
      const message = err instanceof Error ? err.message : '';
      // A headless (ephemeral) server binds no UI port, so that number colliding is not ours either.
      const ownPorts = [opts.ports.temporal, ...(opts.ephemeral ? [] : [opts.ports.temporalUi])].some((p) => message.includes(`127.0.0.1:${p}: bind`));
      if (attempt >= 3 || !message.includes('address already in use') || ownPorts) throw err;
      opts.onProgress?.('temporal: a port it picked at random was taken meanwhile; starting again');
    }
  }
}

async function startTemporalOnce(opts: StackOptions, logs: string): Promise<ChildService> {
  const dir = join(opts.dataDir, 'temporal');
  mkdirSync(dir, { recursive: true });
  await assertPortFree('temporal', opts.ports.temporal, 'LAUREL_TEMPORAL_PORT');
  if (!opts.ephemeral) await assertPortFree('temporal-ui', opts.ports.temporalUi, 'LAUREL_TEMPORAL_UI_PORT');
  const service = ChildService.start({
    name: 'temporal',
    command: opts.tools.temporalCli,
    args: [
      'server', 'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(opts.ports.temporal),
      '--log-level', 'warn',
      ...(opts.ephemeral
        ? ['--headless']
        : ['--db-filename', resolve(dir, 'temporal.db'), '--ui-port', String(opts.ports.temporalUi)]),
      // Schedules and visibility queries use these search attributes' defaults only.
    ],
    logFile: join(logs, 'temporal.log'),
  });
  const address = `127.0.0.1:${opts.ports.temporal}`;
  await service.waitUntilReady(temporalAnswers(address), 60_000);
  return service;
}

/** A readiness probe for a Temporal server: it answers for the default namespace. */
export function temporalAnswers(address: string): () => Promise<void> {
  return async () => {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
    } finally {
      await connection.close();
    }
  };
}

async function startMaildev(opts: StackOptions, logs: string): Promise<ChildService> {
  const dir = join(opts.dataDir, 'mail');
  mkdirSync(dir, { recursive: true });
  await assertPortFree('maildev (smtp)', opts.ports.smtp, 'LAUREL_SMTP_PORT');
  await assertPortFree('maildev (mailbox)', opts.ports.mailbox, 'LAUREL_MAILBOX_PORT');
  const service = ChildService.start({
    name: 'maildev',
    command: process.execPath,
    args: [
      opts.tools.maildev,
      '--smtp', String(opts.ports.smtp),
      '--web', String(opts.ports.mailbox),
      '--ip', '127.0.0.1',
      '--web-ip', '127.0.0.1',
      ...(opts.ephemeral ? [] : ['--mail-directory', resolve(dir)]),
    ],
    logFile: join(logs, 'maildev.log'),
  });
  await service.waitUntilReady(async () => {
    const res = await fetch(`http://127.0.0.1:${opts.ports.mailbox}/api/healthz`);
    if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
  }, 20_000);
  return service;
}

/**
 * Starts what is not given from outside, in dependency-free order, and returns the URLs.
 * On any failure everything already started is stopped again before the error propagates.
 */
export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const logs = join(opts.dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const services: ChildService[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(services.reverse().map((s) => s.stop()));
  };
  const { external, ports } = opts;
  try {
    const starters: Promise<void>[] = [];
    const track = (name: string, start: () => Promise<ChildService>): void => {
      opts.onProgress?.(`${name}: starting`);
      starters.push(
        start().then((s) => {
          services.push(s);
          opts.onProgress?.(`${name}: ready (pid ${s.pid})`);
        }),
      );
    };
    if (!external.databaseUrl) track('postgres', () => startPostgres(opts, logs));
    if (!external.redisUrl) track('redis', () => startRedis(opts, logs));
    if (!external.temporalAddress) track('temporal', () => startTemporal(opts, logs));
    if (!external.smtpUrl) track('maildev', () => startMaildev(opts, logs));
    const results = await Promise.allSettled(starters);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    databaseUrl: external.databaseUrl ?? `postgres://${DB_USER}@127.0.0.1:${ports.postgres}/${DB_NAME}`,
    redisUrl: external.redisUrl ?? `redis://127.0.0.1:${ports.redis}`,
    temporalAddress: external.temporalAddress ?? `127.0.0.1:${ports.temporal}`,
    smtpUrl: external.smtpUrl ?? `smtp://127.0.0.1:${ports.smtp}`,
    mailboxUrl: external.smtpUrl ? undefined : `http://127.0.0.1:${ports.mailbox}`,
    temporalUiUrl: external.temporalAddress || opts.ephemeral ? undefined : `http://127.0.0.1:${ports.temporalUi}`,
    services,
    stop,
  };
}
