/**
 * Every lesson exercise (demos/NN-name/exercise/): the lesson's own server keeps every
 * promise of its contract, the starter keeps too few, the lesson states each promise
 * word for word, and `npm run exercise`, `hint` and `progress` work on a workspace.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  DemoProcess,
  REPO_ROOT,
  hasCommand,
  tempDir,
} from './harness/index.ts';
import {
  loadContract,
  runContract,
  type Contract,
} from './tools/verify-kit.ts';
import {
  exerciseDir,
  hasExercise,
  lessonFolders,
  rewriteImports,
} from './tools/workspace.ts';

/** A busy machine is slow; a passing server gets room (no verdict depends on speed). */
const PASSING = 3;
/** A server that never answers is failed sooner: silence is the verdict either way. */
const FAILING = 0.2;
/** Room for every contract (a server start per check) on a busy machine: a safety net, not a verdict. */
const CONTRACT_TIMEOUT = 300_000;

const lessons = lessonFolders().filter(hasExercise);

type Results = Awaited<ReturnType<typeof runContract>>;

function failures(results: Results): string {
  return results
    .filter((result) => !result.passed)
    .map((result) => `${result.check.name}: ${result.message ?? ''}`)
    .join('\n');
}

/**
 * Every contract is run before the tests look at the results, LANES at a time: much of
 * a check is waiting (for a start, a tick, silence, an exit), and that waiting overlaps.
 * (Not in concurrent tests: the harness's afterEach kills whatever is running.)
 */
const LANES = 4;
const contracts = new Map<string, Contract>();
const demoResults = new Map<string, Results>();
const starterResults = new Map<string, Results>();

/** A contract whose outside program is missing: its reference run is skipped, outside CI only. */
function missingTool(contract: Contract): string | undefined {
  const tool = contract.requires;
  if (!tool || process.env.CI || hasCommand(tool.command)) return undefined;
  return `${tool.command} is not installed (${tool.install})`;
}

beforeAll(async () => {
  for (const folder of lessons)
    contracts.set(folder, (await loadContract(folder.slice(0, 2))) as Contract);
  const jobs = lessons.flatMap((folder) => {
    const contract = contracts.get(folder) as Contract;
    const lesson = folder.slice(0, 2);
    return [
      async () => {
        if (missingTool(contract)) return;
        demoResults.set(
          folder,
          await runContract(contract, {
            lesson,
            server: join(REPO_ROOT, 'demos', folder, 'server.ts'),
            patience: PASSING,
          }),
        );
      },
      async () =>
        starterResults.set(
          folder,
          await runContract(contract, {
            lesson,
            server: join(exerciseDir(folder), 'starter.ts'),
            patience: FAILING,
          }),
        ),
    ];
  });
  const next = async (): Promise<void> => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job();
  };
  await Promise.all(Array.from({ length: LANES }, next));
}, CONTRACT_TIMEOUT);

it('lesson 04 at least has an exercise', () => {
  expect(lessons).toContain('04-bidirectional');
});

for (const folder of lessons) {
  const dir = exerciseDir(folder);

  describe(`${folder} exercise`, () => {
    it('has a check for every promise and a promise for every check', () => {
      const contract = contracts.get(folder) as Contract;
      const checked = new Set(contract.checks.map((check) => check.promise));
      contract.promises.forEach((promise, index) =>
        expect(checked.has(index + 1), `no check for "${promise}"`).toBe(true),
      );
      for (const check of contract.checks)
        expect(contract.promises[check.promise - 1], check.name).toBeDefined();
      const names = contract.checks.map((check) => check.name);
      expect(new Set(names).size, 'check names are unique').toBe(names.length);
    });

    it("the lesson's own server keeps every promise", ({ skip }) => {
      const missing = missingTool(contracts.get(folder) as Contract);
      if (missing) {
        console.log(`${folder}: ${missing}`);
        skip();
      }
      const results = demoResults.get(folder) ?? [];
      const failed = results.filter((result) => !result.passed);
      expect(failed.length, failures(results)).toBe(0);
      expect(results).toHaveLength(contracts.get(folder)?.checks.length ?? -1);
    });

    it('the starter has TODOs, runs, and breaks a promise', () => {
      expect(readFileSync(join(dir, 'starter.ts'), 'utf8')).toContain('TODO');
      const results = starterResults.get(folder) ?? [];
      expect(results.some((result) => !result.passed)).toBe(true);
    });

    it('has at least two hints, separated by lines `---`', () => {
      const hints = readFileSync(join(dir, 'hints.md'), 'utf8')
        .split(/^---[ \t]*$/m)
        .filter((hint) => hint.trim() !== '');
      expect(hints.length).toBeGreaterThanOrEqual(2);
    });

    it('states every promise word for word in the lesson', () => {
      const text = readFileSync(
        join(REPO_ROOT, 'lessons', `${folder}.md`),
        'utf8',
      );
      for (const promise of contracts.get(folder)?.promises ?? [])
        expect(text, `lessons/${folder}.md states "${promise}"`).toContain(
          promise,
        );
    });
  });
}

describe('a planted bug', () => {
  it(
    "is named by the promise it breaks (lesson 04's server, tags dropped)",
    async () => {
      // The lesson's server, moved to a temp folder, answering `ping <text>` with a bare `pong`.
      const from = join(REPO_ROOT, 'demos', '04-bidirectional');
      const at = tempDir();
      writeFileSync(join(at, 'package.json'), '{ "type": "module" }\n');
      const source = rewriteImports(
        readFileSync(join(from, 'server.ts'), 'utf8'),
        from,
        at,
      ).replace(
        'const reply = answer(request);',
        "const reply = request === '' ? undefined : request.startsWith('ping') ? 'pong' : answer(request);",
      );
      expect(source).toContain("? 'pong' :");
      writeFileSync(join(at, 'server.ts'), source);
      const contract = (await loadContract('04')) as Contract;
      const results = await runContract(contract, {
        lesson: '04',
        server: join(at, 'server.ts'),
        patience: PASSING,
      });
      const failed = results.at(-1);
      expect(failed?.passed).toBe(false);
      expect(contract.promises[(failed?.check.promise ?? 0) - 1]).toBe(
        'answer `ping <text>` with `pong <text>`',
      );
      expect(failed?.message).toBe(
        'Sent "ping 7\\n". Expected the line "pong 7". Got the line "pong".',
      );
    },
    CONTRACT_TIMEOUT,
  );
});

describe('npm run exercise, hint and progress', () => {
  async function tool(
    name: string,
    args: string[],
    workspace: string,
  ): Promise<DemoProcess> {
    const proc = new DemoProcess(
      join(REPO_ROOT, 'test', 'tools', `${name}.ts`),
      args,
      {
        env: {
          PING_PONG_WORKSPACE: workspace,
          PING_PONG_VERIFY_PATIENCE: '0.5',
        },
      },
    );
    await proc.waitForExit(60_000);
    return proc;
  }

  it(
    'start an exercise, reveal hints one at a time, and show where each lesson stands',
    async () => {
      const workspace = tempDir();
      const mine = join(workspace, '04-bidirectional', 'server.ts');

      const started = await tool('exercise', ['04'], workspace);
      expect(started.exitStatus?.code, started.output).toBe(0);
      expect(started.stdout).toContain(`Lesson 04's exercise is in ${mine}`);
      expect(started.stdout).toContain('`npm run verify -- 04`');
      // The copy's relative imports still reach the same modules.
      const source = readFileSync(mine, 'utf8');
      for (const [, specifier = ''] of source.matchAll(/from '(\.[^']+)'/g))
        expect(existsSync(resolve(dirname(mine), specifier)), specifier).toBe(
          true,
        );

      writeFileSync(mine, `${source}// mine now\n`);
      const again = await tool('exercise', ['4'], workspace);
      expect(again.exitStatus?.code).toBe(0);
      expect(again.stdout).toContain(
        `You already started this exercise: ${mine}`,
      );
      expect(readFileSync(mine, 'utf8')).toContain('// mine now');

      const first = await tool('hint', ['04'], workspace);
      expect(first.stdout).toMatch(/^Hint 1 of (\d+):/);
      const total = Number(/^Hint 1 of (\d+):/.exec(first.stdout)?.[1]);
      const second = await tool('hint', ['04'], workspace);
      expect(second.stdout).toMatch(/^Hint 2 of \d+:/);
      expect(second.stdout).not.toContain('Hint 1 of');
      expect(
        JSON.parse(readFileSync(join(workspace, '.hints.json'), 'utf8')),
      ).toEqual({ '04-bidirectional': 2 });
      const all = await tool('hint', ['04', '--all'], workspace);
      for (let n = 1; n <= total; n++)
        expect(all.stdout).toContain(`Hint ${n} of ${total}:`);
      expect(all.stdout).toContain('That is the last hint.');

      // The starter runs from the workspace and passes the first check only.
      const progress = await tool('progress', [], workspace);
      expect(progress.exitStatus?.code, progress.output).toBe(0);
      expect(progress.stdout).toMatch(
        /^04-bidirectional +started +✘ 1 of \d+ checks pass: npm run verify -- 04$/m,
      );
      expect(progress.stdout).toMatch(/^01-unix-socket +\S/m);
      expect(progress.stdout).toMatch(/\d+ of \d+ exercises pass\.$/);
    },
    CONTRACT_TIMEOUT,
  );
});
