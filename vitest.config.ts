import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temp folder per run (TMPDIR), removed at the end; leftovers of killed runs are swept.
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/setup.ts'],
    // Every end-to-end test starts real processes; on a busy 2-core machine a start
    // can take seconds. Timeouts are a safety net, never a verdict.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes, not the test code, use the CPU: two workers keep both cores
    // busy without piling more servers onto them than they can start. Each file
    // still gets a fresh process (forks), so a test's signals and exits stay its own.
    pool: 'forks',
    maxWorkers: 2,
  },
});
