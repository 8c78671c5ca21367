/**
 * The demo CLI convention, for every script a learner can run: `--help` explains it
 * and exits 0, and names every flag the lessons' commands pass to it. One process per
 * script: the help text ends with parseCli's own `-h, --help` line, which proves the
 * script parses its flags with parseCli (strict: an unknown flag is refused), and that
 * refusal is checked once, end to end, below.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DemoProcess, REPO_ROOT } from './harness/index.ts';
import { consoleCommands, demoCommand } from './harness/layout.ts';

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

/** Script (relative to the repo) → the flags the lessons' `$ npx tsx …` commands give it, and where. */
function flagsInLessons(): Map<string, Map<string, string>> {
  const byScript = new Map<string, Map<string, string>>();
  const lessonsDir = join(REPO_ROOT, 'lessons');
  for (const name of readdirSync(lessonsDir).filter((file) =>
    /^\d\d-.*\.md$/.test(file),
  )) {
    const markdown = readFileSync(join(lessonsDir, name), 'utf8');
    for (const command of consoleCommands(markdown)) {
      const demo = demoCommand(command);
      if (!demo) continue;
      const flags = byScript.get(demo.script) ?? new Map<string, string>();
      for (const flag of demo.flags)
        flags.set(flag, `lessons/${name}: $ ${command}`);
      byScript.set(demo.script, flags);
    }
  }
  return byScript;
}

async function run(script: string, args: string[]): Promise<DemoProcess> {
  const proc = new DemoProcess(script, args);
  await proc.waitForExit();
  return proc;
}

describe('every demo script', () => {
  const lessonFlags = flagsInLessons();
  const scripts = demoScripts().map((path) => relative(REPO_ROOT, path));

  it('is found (a server and a client per lesson at least)', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(16);
  });

  it('that a lesson passes flags to parses them with parseCli (a bare program takes none)', () => {
    for (const [script, flags] of lessonFlags) {
      if (scripts.includes(script)) continue;
      expect(
        [...flags.values()],
        `${script} has no parseCli, so no --help to name these flags`,
      ).toEqual([]);
    }
  });

  // Every script's --help, asked in one process (see harness/all-helps.ts); a script
  // that does not end in parseCli's exit there gets a process of its own.
  let helps: Promise<Record<string, { code?: number; stdout?: string }>>;
  const helpOf = async (
    script: string,
  ): Promise<{ code: number | null | undefined; stdout: string }> => {
    helps ??= run(join(REPO_ROOT, 'test', 'harness', 'all-helps.ts'), [
      ...scripts.map((path) => join(REPO_ROOT, path)),
    ]).then((proc) => JSON.parse(proc.stdout.split('\n').at(-1) ?? '{}'));
    const result = (await helps)[join(REPO_ROOT, script)];
    if (result?.code !== undefined)
      return { code: result.code, stdout: result.stdout ?? '' };
    const alone = await run(join(REPO_ROOT, script), ['--help']);
    return { code: alone.exitStatus?.code, stdout: alone.stdout };
  };

  for (const script of scripts) {
    it(`${script} explains itself with --help, naming every flag the lessons use`, async () => {
      const help = await helpOf(script);
      expect(help.code, help.stdout).toBe(0);
      expect(help.stdout).toMatch(/^Usage: /);
      expect(help.stdout).toMatch(/^ {2}-h, --help +show this help and exit$/m);
      for (const [flag, where] of lessonFlags.get(script) ?? [])
        expect(help.stdout, `${where}: --help mentions ${flag}`).toContain(
          flag,
        );
    });
  }
});

describe('parseCli', () => {
  it('refuses an unknown flag in one line on stderr, with exit code 2', async () => {
    const wrong = await run(
      join(REPO_ROOT, 'demos', '04-bidirectional', 'server.ts'),
      ['--no-such-flag'],
    );
    expect(wrong.exitStatus?.code, wrong.output).toBe(2);
    expect(wrong.stderr.split('\n'), wrong.output).toHaveLength(1);
    expect(wrong.stderr).toContain('--no-such-flag');
  });
});
