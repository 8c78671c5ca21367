/**
 * `npm run hint -- 04`: the next hint for lesson 04's exercise, one at a time, from
 * demos/04-bidirectional/exercise/hints.md (hints are separated by lines `---`).
 * How many you have seen is kept in workspace/.hints.json; `--all` shows them all.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliWithPositionals, usageError } from '../../demos/common/cli.ts';
import {
  exerciseDir,
  findLesson,
  readState,
  workspaceRoot,
  writeState,
} from './workspace.ts';

// `npm run hint -- 04 | head`: a reader that leaves early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { flags, positionals } = parseCliWithPositionals({
  usage: 'npm run hint -- NN',
  summary:
    "Shows the next hint for lesson NN's exercise (each run one more); the lesson's own server is the full answer.",
  flags: {
    all: { type: 'boolean', description: 'show every hint at once' },
    reset: { type: 'boolean', description: 'forget which hints you have seen' },
  },
});
const [lesson, ...extra] = positionals;
if (lesson === undefined) usageError('which lesson? e.g. npm run hint -- 04');
if (extra.length > 0) usageError('one lesson at a time');
const folder = findLesson(lesson);
if (folder === undefined)
  usageError(`no lesson ${JSON.stringify(lesson)} in demos/`);
const number = folder.slice(0, 2);
const file = join(exerciseDir(folder), 'hints.md');
if (!existsSync(file)) {
  console.error(
    `Lesson ${number} has no hints yet (no demos/${folder}/exercise/hints.md).`,
  );
  process.exit(2);
}

/** The hints, split on lines that are just `---`. */
const hints = readFileSync(file, 'utf8')
  .split(/^---[ \t]*$/m)
  .map((hint) => hint.trim())
  .filter((hint) => hint !== '');

const HINTS_FILE = '.hints.json';
const seen = readState<Record<string, number>>(HINTS_FILE, {});
if (flags.reset) {
  delete seen[folder];
  mkdirSync(workspaceRoot(), { recursive: true });
  writeState(HINTS_FILE, seen);
  console.log(`Hints for lesson ${number} start again from the first.`);
  process.exit(0);
}

const before = Math.min(seen[folder] ?? 0, hints.length);
const upTo = flags.all ? hints.length : Math.min(before + 1, hints.length);
const from = flags.all
  ? 0
  : before === hints.length
    ? hints.length - 1
    : before;
for (let index = from; index < upTo; index++) {
  console.log(`Hint ${index + 1} of ${hints.length}:\n\n${hints[index]}\n`);
}
if (upTo === hints.length)
  console.log(
    `That is the last hint. The full answer is the lesson's own server: demos/${folder}/server.ts.`,
  );
else
  console.log(
    `${hints.length - upTo} more: run \`npm run hint -- ${number}\` again when you are stuck.`,
  );
mkdirSync(workspaceRoot(), { recursive: true });
writeState(HINTS_FILE, { ...seen, [folder]: upTo });
