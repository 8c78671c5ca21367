/**
 * The tour: `npm start` runs every lesson's server and client in lesson order and
 * shows both sides talking; `npm run lesson -- 03` runs one lesson.
 *
 * Lessons are found from the `demos/NN-name/` folders. By default the tour starts
 * `server.ts --socket <tmp>/NN.sock`, waits for `listening on`, runs
 * `client.ts --socket <same path>`, expects exit code 0, then stops the server with
 * SIGTERM and expects exit code 0 too. A lesson changes that with a `tour.ts`
 * in its folder (see test/tools/tour-script.ts).
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli } from '../../demos/common/cli.ts';
import {
  DemoProcess,
  REPO_ROOT,
  READY_LINE,
  formatExit,
  killAll,
  type OutputLine,
} from './process.ts';
import type { TourRun, TourScript, TourStep } from './tour-script.ts';

// The demos start with their types erased, as `node demos/…/server.ts` runs them on
// Node ≥ 22.18 (through test/tools/strip-types on older Nodes): the same programs as
// under `npx tsx`, in under half its start-up time, and the tour starts about forty.
// PING_PONG_TS_RUNNER=tsx runs them through tsx instead.
process.env.PING_PONG_TS_RUNNER ??= 'strip';

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string): string =>
  useColour ? `\x1b[${code}m${text}\x1b[0m` : text;
const LABEL_COLOURS = [36, 35, 33, 32, 34];

function label(name: string, index: number): string {
  return paint(LABEL_COLOURS[index % LABEL_COLOURS.length] ?? 36, `[${name}]`);
}

function printer(name: string, index: number): (line: OutputLine) => void {
  return (line) =>
    console.log(
      `  ${label(name, index)} ${line.stream === 'stderr' ? paint(2, line.text) : line.text}`,
    );
}

export function discoverLessons(demosDir: string): string[] {
  return readdirSync(demosDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

function lessonTitle(lesson: string): string {
  const lessonsDir = join(REPO_ROOT, 'lessons');
  const file = existsSync(lessonsDir)
    ? readdirSync(lessonsDir).find((name) =>
        name.startsWith(`${lesson.slice(0, 2)}-`),
      )
    : undefined;
  const heading = file
    ? /^#\s+(.+)$/m.exec(readFileSync(join(lessonsDir, file), 'utf8'))?.[1]
    : undefined;
  return heading ?? lesson;
}

/** The lesson's tour script (`tour.ts`), or the default run: server.ts, then client.ts. */
async function readTour(folder: string): Promise<TourRun[]> {
  const file = join(folder, 'tour.ts');
  if (!existsSync(file)) return [{}];
  const script = (await import(pathToFileURL(file).href)) as {
    default: TourScript;
  };
  return script.default.runs;
}

/** Whether an outside program is on the PATH (lesson 11 needs nats-server). */
function installed(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

class TourFailure extends Error {}

async function runOne(
  lesson: string,
  folder: string,
  run: TourRun,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tour-'));
  const names = {
    socket: join(dir, `${lesson.slice(0, 2)}.sock`),
    dir,
    address: '',
  };
  const fill = (text: string): string =>
    text.replace(
      /\{(socket|dir|address)\}/g,
      (_, key: keyof typeof names) => names[key],
    );
  const script = (name: string): string => join(folder, name);
  try {
    const serverArgs = (run.server?.args ?? ['--socket', '{socket}']).map(fill);
    const server = new DemoProcess(
      script(run.server?.script ?? 'server.ts'),
      serverArgs,
      { onLine: printer(run.server?.label ?? 'server', 0) },
    );
    const ready = await server.waitForLine(READY_LINE, { timeoutMs: 15_000 });
    names.address = READY_LINE.exec(ready)?.[1] ?? '';

    const steps = run.steps ?? [
      { script: 'client.ts', args: ['--socket', '{socket}'] },
    ];
    const background: Array<{ step: TourStep; proc: DemoProcess }> = [];
    for (const [index, step] of steps.entries()) {
      if (step.waitForServer)
        await server.waitForLine(new RegExp(step.waitForServer), {
          timeoutMs: 15_000,
        });
      const name = step.label ?? step.script.replace(/\.ts$/, '');
      const proc = new DemoProcess(
        script(step.script),
        (step.args ?? []).map(fill),
        { onLine: printer(name, index + 1) },
      );
      if (step.background) {
        background.push({ step, proc });
        if (step.waitForLine)
          await proc.waitForLine(new RegExp(step.waitForLine), {
            timeoutMs: 15_000,
          });
      } else await finishStep(step, proc);
    }
    for (const { step, proc } of background) {
      if (step.stopWith) proc.kill(step.stopWith);
      await finishStep(step, proc);
    }
    for (const pattern of run.serverExpect ?? [])
      await server.waitForLine(new RegExp(pattern), { timeoutMs: 10_000 });

    server.kill('SIGTERM');
    const status = await server.waitForExit(10_000);
    if (status.code !== 0)
      throw new TourFailure(
        `the server did not exit cleanly on SIGTERM (${formatExit(status)})`,
      );
  } finally {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function finishStep(step: TourStep, proc: DemoProcess): Promise<void> {
  const status = await proc.waitForExit(60_000);
  const wanted = step.exitCode ?? 0;
  if (status.code !== wanted)
    throw new TourFailure(
      `${step.script} exited with ${formatExit(status)}, expected code ${wanted}`,
    );
  for (const pattern of step.expect ?? []) {
    if (proc.matching(new RegExp(pattern)).length === 0)
      throw new TourFailure(`${step.script} never printed /${pattern}/`);
  }
}

async function main(): Promise<void> {
  const flags = parseCli({
    usage: 'npm start -- [options]   or   npm run lesson -- NN',
    summary:
      "Runs each lesson's server and client and shows both sides. Exits non-zero naming any lesson that failed.",
    flags: {
      lesson: {
        type: 'string',
        valueName: 'NN',
        description: 'run only this lesson (npm run lesson -- 03 sets it)',
      },
      demos: {
        type: 'string',
        valueName: 'DIR',
        default: join(REPO_ROOT, 'demos'),
        description: 'where the lesson folders are',
      },
    },
  });
  let lessons = discoverLessons(flags.demos);
  if (flags.lesson) {
    const wanted = flags.lesson.padStart(2, '0').slice(0, 2);
    lessons = lessons.filter((lesson) => lesson.startsWith(`${wanted}-`));
    if (lessons.length === 0) {
      console.error(
        `no lesson ${flags.lesson} in ${flags.demos}: try one of ${discoverLessons(
          flags.demos,
        )
          .map((l) => l.slice(0, 2))
          .join(', ')}`,
      );
      process.exit(2);
    }
  }
  const failed: string[] = [];
  for (const lesson of lessons) {
    const runs = await readTour(join(flags.demos, lesson));
    for (const [index, run] of runs.entries()) {
      const headline = run.headline ?? lessonTitle(lesson);
      const part = runs.length > 1 ? ` (${index + 1}/${runs.length})` : '';
      console.log(`\n${paint(1, `▶ ${lesson}${part}: ${headline}`)}`);
      if (run.requires && !installed(run.requires.command)) {
        console.log(
          paint(
            33,
            `- ${lesson}${part} skipped: it needs ${run.requires.command} (install it with: ${run.requires.install})`,
          ),
        );
        continue;
      }
      try {
        await runOne(lesson, join(flags.demos, lesson), run);
        console.log(paint(32, `✔ ${lesson}${part} ping-ponged as expected`));
      } catch (error) {
        console.log(
          paint(
            31,
            `✘ ${lesson}${part} failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
        if (!failed.includes(lesson)) failed.push(lesson);
      }
    }
  }
  if (failed.length > 0) {
    console.log(paint(31, `\nThe tour failed for: ${failed.join(', ')}`));
    process.exit(1);
  }
  console.log(
    paint(
      32,
      `\nAll ${lessons.length} lesson${lessons.length === 1 ? '' : 's'} ping-ponged. Read on in lessons/.`,
    ),
  );
}

await main();
