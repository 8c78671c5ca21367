/**
 * The demo CLI convention, for every script a learner can run: `--help` explains
 * it and exits 0; a flag it does not know gets one line on stderr and exit code 2.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DemoProcess, REPO_ROOT } from './harness/index.ts';

/** Every .ts file in a lesson folder that parses a command line is a script a learner runs. */
function demoScripts(dir = join(REPO_ROOT, 'demos')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'common' ? [] : demoScripts(path);
    return entry.name.endsWith('.ts') &&
      readFileSync(path, 'utf8').includes('parseCli(')
      ? [path]
      : [];
  });
}

async function run(script: string, args: string[]): Promise<DemoProcess> {
  const proc = new DemoProcess(script, args);
  await proc.waitForExit();
  return proc;
}

describe('every demo script', () => {
  const scripts = demoScripts();

  it('is found (a server and a client per lesson at least)', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(16);
  });

  for (const script of scripts) {
    const name = relative(REPO_ROOT, script);
    it(`${name} explains itself with --help and refuses an unknown flag in one line`, async () => {
      const [help, wrong] = await Promise.all([
        run(script, ['--help']),
        run(script, ['--no-such-flag']),
      ]);
      expect(help.exitStatus?.code, help.output).toBe(0);
      expect(help.stdout).toMatch(/^Usage: /);
      expect(help.stdout).toContain('--help');
      expect(wrong.exitStatus?.code, wrong.output).toBe(2);
      expect(wrong.stderr.split('\n'), wrong.output).toHaveLength(1);
      expect(wrong.stderr).toContain('--no-such-flag');
    });
  }
});
