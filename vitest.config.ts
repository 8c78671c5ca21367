import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files start first, so that no long file starts last and runs alone.
 * vitest orders by the durations it remembers; a fresh clone has none (it would go
 * by file size), so the files known to be long are put first either way.
 */
const LONGEST = [
  'exercises.test.ts',
  'slides-browser.test.ts',
  '08-pipes-vs-tcp.test.ts',
  'typecheck.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(
    files: TestSpecification[],
  ): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = LONGEST.findIndex((name) => file.moduleId.endsWith(name));
      return index === -1 ? LONGEST.length : index;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

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
    // Child processes, not the test code, use most of the CPU, and much of a test is
    // waiting (for a tick, a timeout, an exit): three workers keep both cores busy
    // through those waits. Each worker is a process of its own (forks), so a test's
    // signals and exits stay out of vitest's; it is reused from file to file (no
    // isolate) rather than started 22 times: test files clean up after themselves
    // (processes, temp folders, Chromium) and change no shared state but PATH,
    // which lesson 11 extends once.
    pool: 'forks',
    maxWorkers: 3,
    isolate: false,
    sequence: { sequencer: LongestFirst },
  },
});
