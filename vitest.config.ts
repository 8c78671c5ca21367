import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/harness/setup.ts'],
    // Every end-to-end test starts real processes; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each suite spawns servers and clients; two workers keep a 2-core machine responsive.
    maxWorkers: 2,
  },
});
