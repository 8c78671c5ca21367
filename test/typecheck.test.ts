/**
 * The code type-checks. `npm run typecheck` runs the same command alone; run here, as a
 * test, it overlaps the end-to-end files' waits instead of delaying the whole run.
 * (Formatting is CI's own step, `npm run format:check`: a learner's `npm test` is about
 * whether the code works, and a cold Prettier costs more CPU than tsc.)
 */
import { expect, it } from 'vitest';
import { runShellResult } from './harness/index.ts';

/** Seconds on a quiet machine; a busy one may take many times that. */
const TIMEOUT = 120_000;

it(
  'every file type-checks (tsc --noEmit)',
  async () => {
    // Stopped before the test's own timeout: a hung tsc never outlives its test.
    const tsc = await runShellResult(
      'node_modules/.bin/tsc --noEmit',
      TIMEOUT - 10_000,
    );
    expect(tsc.code, `${tsc.stdout}${tsc.stderr}`).toBe(0);
  },
  TIMEOUT,
);
