/**
 * The learner's workspace: `workspace/NN-name/server.ts` per exercise started with
 * `npm run exercise -- NN`, plus what the tools remember (`.hints.json`,
 * `.progress.json`). It is git-ignored. PING_PONG_WORKSPACE moves it (the tests use a
 * temp copy).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from './process.ts';

export const WORKSPACE_ENV = 'PING_PONG_WORKSPACE';

export function workspaceRoot(): string {
  return resolve(process.env[WORKSPACE_ENV] ?? join(REPO_ROOT, 'workspace'));
}

/** `4`, `04` or `04-bidirectional` → the lesson folder, or undefined. */
export function findLesson(arg: string): string | undefined {
  const number = /^\d{1,2}/.exec(arg)?.[0]?.padStart(2, '0');
  if (!number) return undefined;
  return readdirSync(join(REPO_ROOT, 'demos')).find((name) =>
    name.startsWith(`${number}-`),
  );
}

/** Every lesson folder in demos/, in order. */
export function lessonFolders(): string[] {
  return readdirSync(join(REPO_ROOT, 'demos'))
    .filter((name) => /^\d\d-/.test(name))
    .sort();
}

export function exerciseDir(folder: string): string {
  return join(REPO_ROOT, 'demos', folder, 'exercise');
}

export function hasExercise(folder: string): boolean {
  return existsSync(join(exerciseDir(folder), 'checks.ts'));
}

/** Where `npm run exercise -- NN` puts the learner's server. */
export function workspaceServer(folder: string): string {
  return join(workspaceRoot(), folder, 'server.ts');
}

/** A path as a learner would type it from the repo root. */
export function shown(path: string): string {
  const fromRoot = relative(REPO_ROOT, path);
  return fromRoot.startsWith('..') || isAbsolute(fromRoot) ? path : fromRoot;
}

/**
 * The starter's relative imports (`'../../common/cli.ts'`) rewritten for a copy that
 * lives in `toDir`, so it still finds the same modules.
 */
export function rewriteImports(
  source: string,
  fromDir: string,
  toDir: string,
): string {
  return source.replace(
    /(\bfrom\s+|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g,
    (_match, before: string, q: string, specifier: string) => {
      let moved = relative(toDir, resolve(fromDir, specifier))
        .split(sep)
        .join('/');
      if (!moved.startsWith('.')) moved = `./${moved}`;
      return `${before}${q}${moved}${q}`;
    },
  );
}

/** A small JSON file in the workspace, for what the tools remember between runs. */
export function readState<T extends object>(name: string, empty: T): T {
  try {
    return JSON.parse(readFileSync(join(workspaceRoot(), name), 'utf8')) as T;
  } catch {
    return empty;
  }
}

export function writeState(name: string, state: object): void {
  const path = join(workspaceRoot(), name);
  if (!existsSync(dirname(path))) return; // no workspace yet: nothing to remember
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** What verify last found for a lesson, valid while the server file and the checks are unchanged. */
export interface VerifyRecord {
  fingerprint: string;
  passed: number;
  total: number;
}
export const PROGRESS_FILE = '.progress.json';

export function fingerprint(server: string, folder: string): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(server));
  hash.update(readFileSync(join(exerciseDir(folder), 'checks.ts')));
  return hash.digest('hex').slice(0, 16);
}
