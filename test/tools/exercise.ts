/**
 * `npm run exercise -- 04`: copies lesson 04's starter (demos/04-bidirectional/exercise/starter.ts)
 * to `workspace/04-bidirectional/server.ts`, a git-ignored place that is yours to edit,
 * and says what to run next. It never overwrites a file that is already there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCliWithPositionals, usageError } from '../../demos/common/cli.ts';
import { REPO_ROOT } from './process.ts';
import {
  exerciseDir,
  findLesson,
  rewriteImports,
  shown,
  workspaceRoot,
  workspaceServer,
} from './workspace.ts';

const { positionals } = parseCliWithPositionals({
  usage: 'npm run exercise -- NN',
  summary:
    "Starts lesson NN's first exercise: copies its starter server to workspace/NN-name/server.ts (never over an existing file) and says what to run next.",
  flags: {},
});
const [lesson, ...extra] = positionals;
if (lesson === undefined)
  usageError('which lesson? e.g. npm run exercise -- 04');
if (extra.length > 0) usageError('one lesson at a time');
const folder = findLesson(lesson);
if (folder === undefined)
  usageError(`no lesson ${JSON.stringify(lesson)} in demos/`);
const number = folder.slice(0, 2);
const starter = join(exerciseDir(folder), 'starter.ts');
if (!existsSync(starter)) {
  console.error(
    `Lesson ${number} has no starter yet (no demos/${folder}/exercise/starter.ts).`,
  );
  process.exit(2);
}

const target = workspaceServer(folder);
const next =
  `Edit it until \`npm run verify -- ${number}\` passes; ` +
  `\`npm run hint -- ${number}\` gives one hint at a time. ` +
  `Run it yourself with: npx tsx ${shown(target)}`;
if (existsSync(target)) {
  console.log(
    `You already started this exercise: ${shown(target)} is yours, and stays as it is.\n${next}\n` +
      `(To start over, delete that file and run \`npm run exercise -- ${number}\` again.)`,
  );
  process.exit(0);
}

mkdirSync(dirname(target), { recursive: true });
writeFileSync(
  target,
  rewriteImports(
    readFileSync(starter, 'utf8'),
    dirname(starter),
    dirname(target),
  ),
  { flag: 'wx' }, // never over a learner's file, even one that appeared meanwhile
);
// Outside the repository, a .ts file is an ES module only if a package.json says so.
const root = workspaceRoot();
if (
  !root.startsWith(REPO_ROOT + '/') &&
  !existsSync(join(root, 'package.json'))
)
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');

console.log(
  `Lesson ${number}'s exercise is in ${shown(target)}: a server with TODOs, copied from demos/${folder}/exercise/starter.ts.\n${next}`,
);
