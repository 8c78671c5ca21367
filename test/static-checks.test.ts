/**
 * The code type-checks and is formatted. `npm run typecheck` and `npm run format:check`
 * run the same two commands alone; run here, as tests, they overlap the end-to-end
 * files' waits instead of delaying the whole run by their 3–9 s.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe.concurrent('static checks', () => {
  it(
    'every file type-checks (tsc --noEmit)',
    async () => {
      const tsc = await run('tsc', ['--noEmit']);
      expect(tsc.code, tsc.output).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'every file is formatted (prettier --check; npm run format fixes it)',
    async () => {
      const prettier = await run('prettier', ['--check', '--cache', '.']);
      expect(prettier.code, prettier.output).toBe(0);
    },
    TIMEOUT,
  );
});
