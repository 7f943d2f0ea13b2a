import type { Logger } from '../log/index.js';

/**
 * Runs `run` after `firstDelayMs`, then again `intervalMs` after each run ends (never two at once),
 * until `stop`, which waits for a run in progress. A failed run is logged and the next follows on
 * time: the background duties of a role (sweeps, repairs, compaction) retry by running again.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: {
      run: () => Promise<unknown>;
      intervalMs: number;
      firstDelayMs?: number;
      logger: Logger;
      /** Logged with the error when a run fails. */
      failure: string;
    },
  ) {}

  start(): void {
    const { run, intervalMs, logger, failure } = this.options;
    const tick = () => {
      this.running = run()
        .then(() => undefined)
        .catch((err: unknown) => logger.error({ err }, failure))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.options.firstDelayMs ?? 0);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.running;
  }
}
