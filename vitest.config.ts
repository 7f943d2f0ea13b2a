import { defineConfig } from 'vitest/config';
import { TEST_MAX_WORKERS } from './test/support/stack-info.js';

// Two projects: `unit` is pure logic (no services, runs anywhere in seconds);
// `integration` covers test/integration and test/e2e against the real stack
// that test/support/global-setup.ts starts (or the URLs given in env).
export default defineConfig({
  test: {
    pool: 'forks',
    // One file per worker at a time; each worker has its own Temporal namespace (stack-info.ts).
    maxWorkers: TEST_MAX_WORKERS,
    reporters: ['default', ['json', { outputFile: '.laurel/test-report.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'web/test/unit/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
