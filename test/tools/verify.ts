/**
 * `npm run verify -- 04 path/to/my-server.ts`: runs lesson 04's end-to-end tests
 * against your own server instead of the demo's. The tests take the server script
 * from one place (`serverScript()` in test/harness/index.ts), so swapping it is all this does.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from './process.ts';
import {
  VERIFY_LESSON_ENV,
  VERIFY_SERVER_ENV,
  lessonFolder,
} from './lesson-folders.ts';

const usage =
  'usage: npm run verify -- NN path/to/your-server.ts   (e.g. npm run verify -- 04 my-server.ts)';
const [lesson, server, ...rest] = process.argv.slice(2);
if (lesson === '--help' || lesson === '-h') {
  console.log(
    `${usage}\n\nRuns lesson NN's end-to-end tests against your server instead of demos/NN-*/server.ts.`,
  );
  process.exit(0);
}
if (!lesson || !server || rest.length > 0) {
  console.error(usage);
  process.exit(2);
}
let folder: string;
try {
  folder = lessonFolder(lesson);
} catch {
  console.error(`no lesson ${lesson}: ${usage}`);
  process.exit(2);
}
const serverPath = resolve(server);
if (!existsSync(serverPath)) {
  console.error(
    `no file at ${serverPath}: give the path to your server script`,
  );
  process.exit(2);
}

console.log(`Running ${folder}'s tests against ${serverPath}`);
const vitest = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const child = spawn(process.execPath, [vitest, 'run', `test/${folder}`], {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    [VERIFY_LESSON_ENV]: folder,
    [VERIFY_SERVER_ENV]: serverPath,
  },
});
child.on('close', (code) => process.exit(code ?? 1));
