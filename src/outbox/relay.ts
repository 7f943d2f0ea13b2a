import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Pool } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { RELAYED_JOB_OPTIONS } from '../queues/index.js';

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  payload: Record<string, unknown> & { __delayMs?: number };
}

/**
 * Moves committed outbox rows into BullMQ. Rows are claimed with SKIP LOCKED (several workers can
 * relay at once) and marked relayed in the same transaction after BullMQ accepted them; a crash in
 * between re-relays them, and the deterministic job ids make that a no-op.
 */
export class OutboxRelay {
  private readonly queues = new Map<string, Queue>();
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private listener: pg.PoolClient | undefined;
  /** Gives the LISTEN connection back to the pool exactly once, whoever gets there first (an error or stop()). */
  private releaseListener: ((err?: Error) => void) | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly batchSize = 500,
  ) {}

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Relays one batch; returns how many rows moved. */
  async relayOnce(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, queue, job_name, job_id, payload FROM outbox WHERE relayed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      const byQueue = new Map<string, OutboxRow[]>();
      for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
      for (const [name, batch] of byQueue) {
        await this.queue(name).addBulk(
          batch.map((row) => {
            const { __delayMs, ...data } = row.payload;
            return { name: row.job_name, data, opts: { ...RELAYED_JOB_OPTIONS[name], jobId: row.job_id, ...(__delayMs ? { delay: __delayMs } : {}) } };
          }),
        );
      }
      if (rows.length > 0) await client.query(`UPDATE outbox SET relayed_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      return rows.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Relays until stopped: woken by NOTIFY laurel_outbox, and polling once a second as a safety net. */
  async start(): Promise<void> {
    this.running = true;
    await this.listen();
    this.loop = (async () => {
      while (this.running) {
        try {
          if (!this.listener) await this.listen();
          const moved = await this.relayOnce();
          if (moved === this.batchSize) continue;
        } catch (err) {
          this.logger.error({ err }, 'outbox relay failed; retrying');
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /**
   * LISTEN on a connection of its own. When PostgreSQL restarts the connection dies: the error is
   * handled (an unhandled 'error' would end the process) and the loop listens again; the
   * once-a-second poll covers the gap.
   */
  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    let released = false;
    const release = (err?: Error): void => {
      if (released) return;
      released = true;
      if (this.listener === client) {
        this.listener = undefined;
        this.releaseListener = undefined;
      }
      client.release(err);
    };
    // The handler stays on the client after it is released: an error while it idles in the pool
    // (a terminated backend) must not release it a second time, which pg-pool throws on.
    client.on('error', (err) => {
      if (released) return;
      this.logger.warn({ err: { message: err.message } }, 'outbox relay lost its LISTEN connection; listening again');
      release(err);
    });
    try {
      await client.query('LISTEN laurel_outbox');
    } catch (err) {
      release(err as Error);
      throw err;
    }
    client.on('notification', () => this.wake?.());
    this.listener = client;
    this.releaseListener = release;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.listener) {
      const release = this.releaseListener;
      await this.listener.query('UNLISTEN laurel_outbox').catch(() => undefined);
      release?.();
    }
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
