/**
 * Cross-cutting checks that keep the course honest as it grows:
 * lessons quote today's code, every shell command a lesson shows is run by a test,
 * every lesson ends with things to try, and a demo only uses what earlier lessons taught.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runScriptHelp } from './harness/index.ts';
import { lessonIncludes, readRegion } from './harness/regions.ts';

const lessonsDir = join(REPO_ROOT, 'lessons');
const demosDir = join(REPO_ROOT, 'demos');
const lessonFiles = readdirSync(lessonsDir).filter((name) => /^\d\d-.*\.md$/.test(name)).sort();
const demoFolders = readdirSync(demosDir).filter((name) => /^\d\d-/.test(name)).sort();

/** `$ command` lines inside ```console blocks: what a lesson asks the learner to type. */
export function consoleCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```console\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) =>
    block.split('\n').flatMap((line) => (line.startsWith('$ ') ? [line.slice(2).trim()] : [])),
  );
}

describe('every lesson', () => {
  it('has a lesson text for every demo folder, and a demo folder for every lesson text', () => {
    expect(lessonFiles.map((name) => name.replace(/\.md$/, ''))).toEqual(demoFolders);
  });

  for (const name of lessonFiles) {
    const lesson = name.replace(/\.md$/, '');
    const markdown = readFileSync(join(lessonsDir, name), 'utf8');

    describe(lesson, () => {
      it('quotes the current code of every region it includes (npm run lessons:sync fixes this)', () => {
        for (const include of lessonIncludes(markdown)) {
          expect(include.quoted, `lessons/${name}:${include.line} quotes ${include.reference}`).toBe(readRegion(include.reference));
        }
      });

      it('ends with things to try', () => {
        const headings = [...markdown.matchAll(/^##\s+(.+)$/gm)].map((match) => match[1] ?? '');
        expect(headings.some((heading) => /try/i.test(heading)), `lessons/${name} has a "Things to try" section`).toBe(true);
      });

      it('shows only shell commands that a test runs', async () => {
        const testFile = readdirSync(join(REPO_ROOT, 'test')).find((file) => file.startsWith(`${lesson.slice(0, 2)}-`) && file.endsWith('.test.ts'));
        const tests = testFile ? readFileSync(join(REPO_ROOT, 'test', testFile), 'utf8') : '';
        for (const command of consoleCommands(markdown)) {
          const demo = /^npx tsx (demos\/\S+\.ts)(.*)$/.exec(command);
          if (demo) {
            // A demo command: the script exists and accepts every flag the lesson shows.
            const [, script = '', rest = ''] = demo;
            expect(existsSync(join(REPO_ROOT, script)), `lessons/${name}: ${command}`).toBe(true);
            const help = await runScriptHelp(script);
            for (const flag of rest.match(/--[\w-]+/g) ?? []) {
              expect(help, `lessons/${name}: ${script} --help mentions ${flag}`).toContain(flag);
            }
          } else {
            expect(tests, `lessons/${name} shows "$ ${command}"; test/${testFile ?? `${lesson.slice(0, 2)}-*.test.ts`} must run it verbatim`).toContain(command);
          }
        }
      });
    });
  }
});

describe('demos/common', () => {
  /** The lesson that teaches each shared module, read from its header comment ("lesson 04"). */
  const taughtIn = new Map(
    readdirSync(join(demosDir, 'common'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => {
        const lesson = /lesson (\d\d)/i.exec(readFileSync(join(demosDir, 'common', file), 'utf8'))?.[1];
        return [file, lesson] as const;
      }),
  );

  it('says in each module which lesson teaches it', () => {
    for (const [file, lesson] of taughtIn) expect(lesson, `demos/common/${file} names its lesson`).toBeDefined();
  });

  it('is used only by that lesson and the ones after it', () => {
    for (const folder of demoFolders) {
      for (const file of readdirSync(join(demosDir, folder)).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(demosDir, folder, file), 'utf8');
        for (const match of source.matchAll(/from '\.\.\/common\/([\w-]+\.ts)'/g)) {
          const module = match[1] ?? '';
          const lesson = taughtIn.get(module);
          expect(lesson, `demos/${folder}/${file} imports common/${module}`).toBeDefined();
          expect(Number(lesson), `demos/${folder}/${file} imports common/${module}, taught in lesson ${lesson}`).toBeLessThanOrEqual(Number(folder.slice(0, 2)));
        }
        expect(source, `demos/${folder}/${file} reaches into another lesson's folder`).not.toMatch(/from '\.\.\/\d\d-/);
      }
    }
  });
});
