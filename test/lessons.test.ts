/**
 * Cross-cutting checks that keep the course honest as it grows:
 * lessons quote today's code, every shell command a lesson shows is run by a test,
 * every lesson ends with things to try, and a demo only uses what earlier lessons taught.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { REPO_ROOT } from './harness/index.ts';
import { consoleCommands, demoCommand } from './harness/layout.ts';
import { lessonIncludes, readRegion } from './tools/regions.ts';

const lessonsDir = join(REPO_ROOT, 'lessons');
const demosDir = join(REPO_ROOT, 'demos');
const lessonFiles = readdirSync(lessonsDir)
  .filter((name) => /^\d\d-.*\.md$/.test(name))
  .sort();
const demoFolders = readdirSync(demosDir)
  .filter((name) => /^\d\d-/.test(name))
  .sort();

describe('every lesson', () => {
  it('has a lesson text for every demo folder, and a demo folder for every lesson text', () => {
    expect(lessonFiles.map((name) => name.replace(/\.md$/, ''))).toEqual(
      demoFolders,
    );
  });

  for (const name of lessonFiles) {
    const lesson = name.replace(/\.md$/, '');
    const markdown = readFileSync(join(lessonsDir, name), 'utf8');

    describe(lesson, () => {
      it('quotes the current code of every region it includes (npm run lessons:sync fixes this)', () => {
        for (const include of lessonIncludes(markdown)) {
          expect(
            include.quoted,
            `lessons/${name}:${include.line} quotes ${include.reference}`,
          ).toBe(readRegion(include.reference));
        }
      });

      it('has exercises', () => {
        const headings = [...markdown.matchAll(/^##\s+(.+)$/gm)].map(
          (match) => match[1] ?? '',
        );
        expect(
          headings.some((heading) => /exercise/i.test(heading)),
          `lessons/${name} has an "Exercises" section`,
        ).toBe(true);
      });

      it('shows only shell commands that a test runs', () => {
        const testFile = readdirSync(join(REPO_ROOT, 'test')).find(
          (file) =>
            file.startsWith(`${lesson.slice(0, 2)}-`) &&
            file.endsWith('.test.ts'),
        );
        const tests = testFile
          ? readFileSync(join(REPO_ROOT, 'test', testFile), 'utf8')
          : '';
        for (const command of consoleCommands(markdown)) {
          const demo = demoCommand(command);
          if (demo) {
            // A demo command: the script exists (and test/cli.test.ts checks that its
            // --help names every flag the lessons pass it).
            expect(
              existsSync(join(REPO_ROOT, demo.script)),
              `lessons/${name}: ${command}`,
            ).toBe(true);
          } else {
            expect(
              tests,
              `lessons/${name} shows "$ ${command}"; test/${testFile ?? `${lesson.slice(0, 2)}-*.test.ts`} must run it verbatim`,
            ).toContain(command);
          }
        }
      });

      {
        const goingDeeper = markdown.search(/^## Going deeper\s*$/m);
        const mainPath =
          goingDeeper === -1 ? markdown : markdown.slice(0, goingDeeper);

        it('starts with a time estimate ("20 min: 8 reading, 12 running")', () => {
          const top = markdown.split('\n').slice(0, 6).join('\n');
          expect(top, `lessons/${name}`).toMatch(
            /\b(\d+) min: (\d+) reading, (\d+) running\b/,
          );
          const [, total, reading, running] =
            /\b(\d+) min: (\d+) reading, (\d+) running\b/.exec(top) ?? [];
          expect(Number(reading) + Number(running), 'the parts add up').toBe(
            Number(total),
          );
        });

        it('has a `## Going deeper` section after a main path of at most 2,500 words', () => {
          expect(
            goingDeeper,
            `lessons/${name} has "## Going deeper"`,
          ).toBeGreaterThan(0);
          const words = mainPath
            .split(/\s+/)
            .filter((word) => word !== '').length;
          expect(
            words,
            `lessons/${name}: words before "## Going deeper"`,
          ).toBeLessThanOrEqual(2500);
        });

        it('has a bare program first: at most 30 lines, node:* imports only', () => {
          const bare = join(demosDir, lesson, 'bare.ts');
          expect(existsSync(bare), `demos/${lesson}/bare.ts`).toBe(true);
          const source = readFileSync(bare, 'utf8');
          const programLines = source
            .trimEnd()
            .split('\n')
            .filter((line) => !/^\s*\/\/ #(end)?region\b/.test(line));
          expect(
            programLines.length,
            `demos/${lesson}/bare.ts lines (region markers aside)`,
          ).toBeLessThanOrEqual(30);
          for (const match of source.matchAll(/from '([^']+)'/g)) {
            expect(match[1], `demos/${lesson}/bare.ts imports`).toMatch(
              /^node:/,
            );
          }
          expect(mainPath, `lessons/${name} shows bare.ts`).toContain(
            `demos/${lesson}/bare.ts`,
          );
        });

        it('shows at least one picture from lessons/pictures, and it exists', () => {
          const pictures = [
            ...markdown.matchAll(/!\[[^\]]*\]\((pictures\/[^)\s]+\.svg)\)/g),
          ].map((match) => match[1] ?? '');
          expect(pictures.length, `lessons/${name} pictures`).toBeGreaterThan(
            0,
          );
          for (const picture of pictures) {
            expect(existsSync(join(lessonsDir, picture)), picture).toBe(true);
          }
        });

        it('has an exercise with a starter, hints and the checks verify runs', () => {
          for (const file of ['starter.ts', 'hints.md', 'checks.ts']) {
            expect(
              existsSync(join(demosDir, lesson, 'exercise', file)),
              `demos/${lesson}/exercise/${file}`,
            ).toBe(true);
          }
        });

        it('closes the main path with a recap of 3 to 5 lines', () => {
          const recap =
            /^##+ [^\n]*recap[^\n]*\n+([\s\S]*?)(?=^##|$(?![\s\S]))/im.exec(
              mainPath,
            );
          expect(
            recap,
            `lessons/${name} has a "## Recap" before "## Going deeper"`,
          ).not.toBeNull();
          // A recap is 3 to 5 points: list items (however they wrap), or plain lines.
          const text = (recap?.[1] ?? '').split('\n');
          const items = text.filter((line) => /^\s*([-*]|\d+\.)\s/.test(line));
          const lines =
            items.length > 0
              ? items
              : text.filter((line) => line.trim() !== '');
          expect(
            lines.length,
            `lessons/${name}: recap lines`,
          ).toBeGreaterThanOrEqual(3);
          expect(
            lines.length,
            `lessons/${name}: recap lines`,
          ).toBeLessThanOrEqual(5);
        });
      }
    });
  }
});

/** Every `.ts` file under `dir`, as paths relative to the repo root. */
function tsFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap(
    (entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return tsFiles(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    },
  );
}

/** The lesson folder (`04-bidirectional`) a repo path belongs to, or undefined outside demos/NN-*. */
function lessonOf(path: string): string | undefined {
  return /^demos\/(\d\d-[^/]+)\//.exec(path)?.[1];
}

describe('where code lives', () => {
  it("a demo imports only from its own folder, an earlier lesson's folder, or demos/common", () => {
    for (const file of tsFiles('demos')) {
      const source = readFileSync(join(REPO_ROOT, file), 'utf8');
      const own = lessonOf(file);
      for (const match of source.matchAll(
        /^(?:import|export)[^'"]*from '(\.[^']+)'/gm,
      )) {
        const target = posix.normalize(
          posix.join(posix.dirname(file), match[1] ?? ''),
        );
        if (target.startsWith('demos/common/')) continue;
        if (
          target.startsWith('test/tools/') &&
          /\/(tour|exercise\/checks)\.ts$/.test(file)
        )
          continue; // tool scripts, not demos
        const theirs = lessonOf(target);
        expect(
          theirs,
          `${file} imports ${match[1]}, outside demos/`,
        ).toBeDefined();
        expect(
          Number(theirs?.slice(0, 2)),
          `${file} imports ${match[1]}, from a later lesson`,
        ).toBeLessThanOrEqual(Number(own?.slice(0, 2) ?? 0));
      }
    }
  });

  it("demos/common holds only plumbing: no lesson folder's code", () => {
    for (const file of tsFiles('demos/common')) {
      expect(
        readFileSync(join(REPO_ROOT, file), 'utf8'),
        `${file} imports a lesson's code`,
      ).not.toMatch(/from '\.\.\/\d\d-/);
    }
  });

  it("a lesson quotes only code of its own folder or an earlier lesson's", () => {
    for (const name of lessonFiles) {
      for (const include of lessonIncludes(
        readFileSync(join(lessonsDir, name), 'utf8'),
      )) {
        const folder = lessonOf(include.reference.split('#')[0] ?? '');
        expect(
          folder,
          `lessons/${name}:${include.line} quotes ${include.reference}`,
        ).toBeDefined();
        expect(
          Number(folder?.slice(0, 2)),
          `lessons/${name}:${include.line} quotes ${include.reference}`,
        ).toBeLessThanOrEqual(Number(name.slice(0, 2)));
      }
    }
  });

  it('slides and tools do not import the test harness', () => {
    for (const file of [...tsFiles('slides'), ...tsFiles('test/tools')]) {
      expect(readFileSync(join(REPO_ROOT, file), 'utf8'), file).not.toMatch(
        /from '[^']*harness\//,
      );
    }
  });
});
