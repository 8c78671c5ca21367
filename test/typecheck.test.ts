/**
 * The code type-checks. `npm run typecheck` runs the same command alone; run here, as a
 * test, it overlaps the end-to-end files' waits instead of delaying the whole run.
 * (Formatting is CI's own step, `npm run format:check`: a learner's `npm test` is about
 * whether the code works, and a cold Prettier costs more CPU than tsc.)
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './harness/index.ts';

/** Seconds on a quiet machine; a busy one may take many times that. */
const TIMEOUT = 120_000;

interface Outcome {
  code: number;
  output: string;
}

/** Runs a command from node_modules/.bin in the repository; never rejects. */
function run(tool: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      join(REPO_ROOT, 'node_modules', '.bin', tool),
      args,
      // Killed before the test's own timeout: a hung check never outlives its test.
      {
        cwd: REPO_ROOT,
        maxBuffer: 16 * 1024 * 1024,
        timeout: TIMEOUT - 10_000,
      },
      (error, stdout, stderr) => {
        const code = error
          ? typeof error.code === 'number'
            ? error.code
            : 1
          : 0;
        const killed = error?.signal
          ? `\n(${tool} was stopped with ${error.signal})`
          : '';
        resolve({ code, output: `${stdout}${stderr}`.trim() + killed });
      },
    );
  });
}

it(
  'every file type-checks (tsc --noEmit)',
  async () => {
    const tsc = await run('tsc', ['--noEmit']);
    expect(tsc.code, tsc.output).toBe(0);
  },
  TIMEOUT,
);
