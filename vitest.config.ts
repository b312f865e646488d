import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // Small stages run in the main thread (src/exec/scheduler.ts smallStageRows); the suite's
    // data is small, so it sends every stage to the pool, keeping the workers' code paths tested
    // (test/small-stages.test.ts turns it back on).
    env: { KINDLING_SMALL_STAGE_ROWS: '0' },
  },
});
