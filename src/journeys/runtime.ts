import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../log/index.js';

let installed = false;

/**
 * Routes the Temporal SDK's own logs into Laurel's pino logger. The runtime is process-global and
 * must be installed before the first worker or native connection exists; later calls do nothing.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const threshold: LogLevel = logger.isLevelEnabled('info') ? 'INFO' : 'WARN';
  Runtime.install({
    // Laurel's roles handle SIGINT/SIGTERM themselves and stop workers in order.
    shutdownSignals: [],
    logger: new DefaultLogger(threshold, (entry) => {
      logger[levels[entry.level]]({ temporal: entry.meta }, entry.message);
    }),
  });
}
