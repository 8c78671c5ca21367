/**
 * `npm run progress`: one line per lesson: is its exercise started (a server in
 * workspace/NN-name/), and does it pass `npm run verify`? A result verify already
 * found for the same server file and checks is reused; the others are checked now.
 */
import { existsSync } from 'node:fs';
import { parseCli } from '../../demos/common/cli.ts';
import { loadContract, runContract } from './verify-kit.ts';
import {
  PROGRESS_FILE,
  fingerprint,
  hasExercise,
  lessonFolders,
  readState,
  workspaceServer,
  writeState,
  type VerifyRecord,
} from './workspace.ts';

parseCli({
  usage: 'npm run progress',
  summary:
    'Shows, per lesson, whether you started its exercise (npm run exercise -- NN) and whether it passes npm run verify -- NN.',
  flags: {},
});

const records = readState<Record<string, VerifyRecord>>(PROGRESS_FILE, {});
const rows: string[][] = [['lesson', 'exercise', 'verify']];
let done = 0;
let available = 0;
for (const folder of lessonFolders()) {
  if (!hasExercise(folder)) {
    rows.push([folder, 'none yet', '']);
    continue;
  }
  available++;
  const server = workspaceServer(folder);
  if (!existsSync(server)) {
    rows.push([
      folder,
      'not started',
      `npm run exercise -- ${folder.slice(0, 2)}`,
    ]);
    continue;
  }
  const print = fingerprint(server, folder);
  let record = records[folder];
  if (record?.fingerprint !== print) {
    const contract = await loadContract(folder.slice(0, 2));
    if (contract === undefined) continue;
    const results = await runContract(contract, {
      lesson: folder.slice(0, 2),
      server,
    });
    record = {
      fingerprint: print,
      passed: results.filter((result) => result.passed).length,
      total: contract.checks.length,
    };
    records[folder] = record;
  }
  const passes = record.passed === record.total;
  if (passes) done++;
  rows.push([
    folder,
    'started',
    passes
      ? `✔ passes (${record.total} checks)`
      : `✘ ${record.passed} of ${record.total} checks pass: npm run verify -- ${folder.slice(0, 2)}`,
  ]);
}
writeState(PROGRESS_FILE, records);

const widths = [0, 1].map((column) =>
  Math.max(...rows.map((row) => (row[column] ?? '').length)),
);
for (const row of rows)
  console.log(
    row
      .map((cell, column) =>
        column < 2 ? cell.padEnd(widths[column] ?? 0) : cell,
      )
      .join('  ')
      .trimEnd(),
  );
console.log(`\n${done} of ${available} exercises pass.`);
