/**
 * `npm run verify -- 04 [path/to/server.ts]`: checks a learner's server against
 * lesson 04's exercise contract (demos/04-bidirectional/exercise/checks.ts). It prints
 * the promises first, then ✔ or ✘ per check, and stops at the first failure with one
 * paragraph: what was sent, what was expected, what came back.
 *
 * Without a path it checks `workspace/04-bidirectional/server.ts`, the copy
 * `npm run exercise -- 04` made.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCliWithPositionals, usageError } from '../../demos/common/cli.ts';
import { loadContract, runContract } from './verify-kit.ts';
import {
  PROGRESS_FILE,
  findLesson,
  fingerprint,
  readState,
  shown,
  workspaceServer,
  writeState,
  type VerifyRecord,
} from './workspace.ts';

const { flags, positionals } = parseCliWithPositionals({
  usage: 'npm run verify -- NN [path/to/server.ts]',
  summary:
    "Checks your server against lesson NN's exercise, promise by promise, and stops at the first one it breaks. " +
    'Without a path it checks workspace/NN-name/server.ts (made by `npm run exercise -- NN`).',
  flags: {
    checks: {
      type: 'string',
      valueName: 'FILE',
      description:
        "run the checks in FILE instead of the lesson's exercise/checks.ts (for authors of checks)",
    },
  },
});
const [lesson, path, ...extra] = positionals;
if (lesson === undefined) usageError('which lesson? e.g. npm run verify -- 04');
if (extra.length > 0)
  usageError(`one server at a time, got ${extra.length + 1}`);
const folder = findLesson(lesson);
if (folder === undefined)
  usageError(`no lesson ${JSON.stringify(lesson)} in demos/`);
const number = folder.slice(0, 2);
const contract = await loadContract(
  number,
  flags.checks === undefined ? undefined : resolve(flags.checks),
);
if (contract === undefined && flags.checks !== undefined) {
  console.error(`No checks file at ${resolve(flags.checks)}.`);
  process.exit(2);
}
if (contract === undefined) {
  console.error(
    `Lesson ${number} has no exercise to verify yet (no demos/${folder}/exercise/checks.ts).`,
  );
  process.exit(2);
}

const server = path === undefined ? workspaceServer(folder) : resolve(path);
if (!existsSync(server)) {
  console.error(
    path === undefined
      ? `No server at ${shown(server)} yet. Start the exercise with \`npm run exercise -- ${number}\`, ` +
          `or check another file: npm run verify -- ${number} path/to/server.ts`
      : `No file at ${server}: give the path to your server script.`,
  );
  process.exit(2);
}

console.log(`Checking ${shown(server)} against lesson ${number}'s exercise.`);
console.log('Your server must:');
for (const [index, promise] of contract.promises.entries())
  console.log(`  [ ] ${index + 1}. ${promise}`);
console.log('');

const results = await runContract(contract, {
  lesson: number,
  server,
  onResult: (result) =>
    console.log(
      `${result.passed ? '✔' : '✘'} ${result.check.name} (promise ${result.check.promise})`,
    ),
});
const failed = results.find((result) => !result.passed);
const passed = results.filter((result) => result.passed).length;
const total = contract.checks.length;

if (server === workspaceServer(folder) && flags.checks === undefined) {
  const progress = readState<Record<string, VerifyRecord>>(PROGRESS_FILE, {});
  progress[folder] = {
    fingerprint: fingerprint(server, folder),
    passed,
    total,
  };
  writeState(PROGRESS_FILE, progress);
}

if (failed) {
  const promise = contract.promises[failed.check.promise - 1] ?? '';
  console.log('');
  console.log(`  ${failed.message ?? ''}`);
  console.log('');
  console.log(
    `Your server breaks promise ${failed.check.promise}: ${promise}\n` +
      `${passed} of ${total} checks passed before it; stopped there. ` +
      `Fix it and run \`npm run verify -- ${number}${path === undefined ? '' : ` ${path}`}\` again. ` +
      `Stuck? \`npm run hint -- ${number}\`.`,
  );
  process.exit(1);
}
console.log('');
console.log(
  `All ${total} checks pass: your server keeps every promise of lesson ${number}. ` +
    `Compare it with the lesson's own, demos/${folder}/server.ts.`,
);
