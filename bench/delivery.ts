// Delivery benchmark: `npm run bench:delivery [-- --messages N --concurrency C --worker-heap-mb M]`.
//
// In one run, against an SMTP sink in a separate process:
//  1. raw baseline: nodemailer pooled SMTP sending N prebuilt messages;
//  2. the full path for N members: send records + enqueue → worker (separate process): load the
//     member, pick the tier/locale template, render, policies, claim the send record, SMTP, mark sent.
// Prints msgs/s of both, the ratio (goal >= 0.6) and the worker's peak RSS (goal < 300 MB).
// The services are a throwaway stack (startBenchStack); the worker is pointed at the sink.
// BENCH_CPU_PROF=<dir> writes the worker's CPU profile there.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { startChild } from './support/child.js';
import { argNumber, startBenchStack, workerHeapCap } from './support/stack.js';

const SELF = fileURLToPath(import.meta.url);

// ---- mode: SMTP sink (its own process, so its CPU is not the sender's) ----------------------

/** Accepts every message as fast as it can: enough SMTP (with pipelining) for nodemailer. */
function runSink(): void {
  let accepted = 0;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buffer = '';
    let inData = false;
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let replies = '';
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) {
            // Keep only what could still be the start of the terminator.
            if (buffer.length > 4) buffer = buffer.slice(-4);
            break;
          }
          buffer = buffer.slice(end + 5);
          inData = false;
          accepted++;
          replies += `250 2.0.0 queued as ${accepted}\r\n`;
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') replies += '250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n';
        else if (verb === 'HELO') replies += '250 sink\r\n';
        else if (verb === 'DATA') {
          inData = true;
          buffer = `\r\n${buffer}`; // the terminator may follow at once
          replies += '354 go ahead\r\n';
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
          return;
        } else replies += '250 OK\r\n';
      }
      if (replies) socket.write(replies);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

// ---- mode: delivery worker (its own process, so its RSS is measured alone) ------------------

async function runWorker(): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { createPool } = await import('../src/db/index.js');
  const { createLogger } = await import('../src/log/index.js');
  const { createRedis } = await import('../src/queues/index.js');
  const { startDeliveryService } = await import('../src/messaging/index.js');
  const config = loadConfig(process.env);
  const pool = createPool(config.databaseUrl!, config.messaging.deliveryConcurrency + 5);
  const redis = createRedis(config.redisUrl!);
  const connection = createRedis(config.redisUrl!);
  let peakRss = process.memoryUsage.rss();
  // memoryUsage.rss() reads only the RSS: memoryUsage() walks the heap spaces too, on the measured CPU.
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const service = await startDeliveryService({ config, smtpUrl: config.smtpUrl!, pool, redis, connection, logger: createLogger(config.logLevel, 'bench-worker') });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void (async () => {
      await service.stop();
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      redis.disconnect();
      connection.disconnect();
      await pool.end();
      process.stdout.write(`rss ${peakRss}\n`);
      process.exit(0);
    })();
  });
}

// ---- the benchmark -------------------------------------------------------------------------

/**
 * This file as a child process (`--sink`, `--worker`). The worker gets `nodeOptions` (its heap cap)
 * and, with BENCH_CPU_PROF=<dir>, writes its CPU profile there.
 */
function startSelf(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, nodeOptions: readonly string[] = []): ReturnType<typeof startChild> {
  const profile = process.env.BENCH_CPU_PROF && args[0] === '--worker' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return startChild([SELF, ...args], env, ready, [...nodeOptions, ...profile]);
}

async function main(): Promise<void> {
  const messages = argNumber('--messages', 20_000);
  // Deliveries in flight in the worker. Each spends most of its life waiting on Postgres, Redis or
  // an SMTP connection; at 50 the worker sat idle a fifth of the time on a busy machine, at 100 the
  // coalesced statements fill and the SMTP pool stays fed.
  const concurrency = argNumber('--concurrency', 100);
  const connections = argNumber('--connections', 10);
  const heapCap = workerHeapCap();

  const { createPool } = await import('../src/db/index.js');
  const { createRedis } = await import('../src/queues/index.js');
  const { createDeliveryQueue, insertSendRecords, enqueueDeliveries } = await import('../src/messaging/index.js');
  const { FileTemplateSource, renderMessage } = await import('../src/messaging/templates/index.js');

  const sink = await startSelf(['--sink'], process.env, /port (\d+)\n/);
  const smtpUrl = `smtp://127.0.0.1:${sink.match[1]}`;
  const stack = await startBenchStack();
  const prefix = `bench${Date.now().toString(36)}`;
  const pool = createPool(stack.databaseUrl, 10);
  const redis = createRedis(stack.redisUrl);
  let worker: ChildProcess | undefined;
  try {
    const templates = new FileTemplateSource();
    const tiers = ['bronze', 'silver', 'gold', 'diamond'];
    const locales = [
      { locale: 'en', timeZone: 'Europe/London' },
      { locale: 'fa', timeZone: 'Asia/Tehran' },
    ];
    const vars = { points: 3500, expiresAt: '2027-01-05T20:29:59Z', balance: 12_750 };

    // 1. Raw baseline: prebuilt messages (rendered once per tier/locale, outside the timing).
    const prebuilt = new Map<string, { subject: string; html: string; text: string }>();
    for (const tier of tiers) {
      for (const l of locales) {
        const r = await renderMessage({ source: templates, message: 'points_expiring', channel: 'email', member: { id: 'x', firstName: 'Sam', locale: l.locale, timeZone: l.timeZone, tier }, vars, now: new Date() });
        prebuilt.set(`${tier}.${l.locale}`, { subject: r.subject!, html: r.html!, text: r.text! });
      }
    }
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: Number(sink.match[1]), pool: true, maxConnections: connections });
    const rawStart = performance.now();
    await Promise.all(
      Array.from({ length: messages }, (_, i) => {
        const body = prebuilt.get(`${tiers[i % 4]}.${locales[i % 2]!.locale}`)!;
        return transport.sendMail({ from: 'Laurel <no-reply@laurel.local>', to: `m${i}@bench.test`, ...body, messageId: `<raw.${i}@laurel.local>` });
      }),
    );
    const rawSeconds = (performance.now() - rawStart) / 1000;
    transport.close();
    const rawRate = messages / rawSeconds;
    process.stdout.write(`raw baseline: ${messages} messages in ${rawSeconds.toFixed(2)} s = ${rawRate.toFixed(0)} msgs/s\n`);

    // 2. Full path. Members exist beforehand (they are the ledger's); the timing starts at the send request.
    for (let i = 0; i < messages; i += 5000) {
      const n = Math.min(5000, messages - i);
      const ids = Array.from({ length: n }, (_, k) => `m${i + k}`);
      await pool.query(
        `INSERT INTO members (id, email, first_name, locale, time_zone, tier_id)
         SELECT id, id || '@bench.test', 'Sam', CASE WHEN right(id, 1) IN ('1','3','5','7','9') THEN 'fa' ELSE 'en' END,
                CASE WHEN right(id, 1) IN ('1','3','5','7','9') THEN 'Asia/Tehran' ELSE 'Europe/London' END,
                (ARRAY['bronze','silver','gold','diamond'])[1 + (substr(id, 2)::int % 4)]
           FROM unnest($1::text[]) AS id`,
        [ids],
      );
    }
    const env = {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      SMTP_URL: `${smtpUrl}?maxConnections=${connections}`,
      QUEUE_PREFIX: prefix,
      DELIVERY_CONCURRENCY: String(concurrency),
      QUIET_HOURS: 'off',
      LOG_LEVEL: 'warn',
    };
    const started = await startSelf(['--worker'], env, /ready\n/, heapCap.nodeOptions);
    worker = started.child;
    const queue = createDeliveryQueue(redis, prefix);
    const fullStart = performance.now();
    for (let i = 0; i < messages; i += 5000) {
      const requests = Array.from({ length: Math.min(5000, messages - i) }, (_, k) => ({
        id: `bench.points_expiring.m${i + k}`,
        message: 'points_expiring',
        channel: 'email' as const,
        memberId: `m${i + k}`,
        vars,
      }));
      await insertSendRecords(pool, requests);
      await enqueueDeliveries(queue, requests.map((r) => r.id));
    }
    // Poll cheaply (the status index; few rows once most are done) so the poller does not steal
    // the CPU it measures.
    for (;;) {
      const { rows } = await pool.query<{ open: number }>(`SELECT count(*)::int AS open FROM messages WHERE status IN ('queued', 'held', 'sending', 'failed', 'unknown')`);
      if (rows[0]!.open === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const { rows: outcome } = await pool.query<{ other: number }>(`SELECT count(*)::int AS other FROM messages WHERE status <> 'sent'`);
    if (outcome[0]!.other > 0) throw new Error(`${outcome[0]!.other} messages did not go out`);
    const fullSeconds = (performance.now() - fullStart) / 1000;
    const fullRate = messages / fullSeconds;
    await queue.close();
    const exit = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
    worker.kill('SIGTERM');
    await exit;
    const rss = Number(/rss (\d+)/.exec(started.output())?.[1] ?? NaN);
    worker = undefined;

    const ratio = fullRate / rawRate;
    process.stdout.write(`full path:    ${messages} members in ${fullSeconds.toFixed(2)} s = ${fullRate.toFixed(0)} msgs/s (concurrency ${concurrency}, ${connections} SMTP connections)\n`);
    process.stdout.write(`ratio full/raw: ${ratio.toFixed(2)} (goal >= 0.6) ${ratio >= 0.6 ? 'OK' : 'BELOW GOAL'}\n`);
    process.stdout.write(
      `worker peak RSS: ${(rss / 1024 / 1024).toFixed(0)} MB (goal < 300 MB) ${rss < 300 * 1024 * 1024 ? 'OK' : 'ABOVE GOAL'} (V8 heap cap ${heapCap.label})\n`,
    );
  } finally {
    worker?.kill('SIGKILL');
    redis.disconnect();
    await pool.end();
    sink.child.kill('SIGTERM');
    await stack.cleanup();
  }
}

if (process.argv.includes('--sink')) runSink();
else if (process.argv.includes('--worker')) await runWorker();
else await main();
