/** Finding a lesson's folder from its number; shared by the tools and the test harness. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './process.ts';

/** Set by `npm run verify`: which lesson's server to replace, and with what. */
export const VERIFY_LESSON_ENV = 'PING_PONG_VERIFY_LESSON';
export const VERIFY_SERVER_ENV = 'PING_PONG_VERIFY_SERVER';

/** `01` or `01-unix-socket` → `01-unix-socket`, from the folders in `demos/`. */
export function lessonFolder(lesson: string): string {
  const number = lesson.slice(0, 2);
  const folder = readdirSync(join(REPO_ROOT, 'demos')).find((name) =>
    name.startsWith(`${number}-`),
  );
  if (!folder) throw new Error(`no demos/${number}-* folder`);
  return folder;
}
