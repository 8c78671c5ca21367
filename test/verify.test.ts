/**
 * `npm run verify -- NN [server.ts]` as a learner meets it: the contract first, ✔ or ✘
 * per check, and at the first failure one short, escaped paragraph. Driven with a
 * small fixture contract (`--checks`), so this file never runs a lesson's whole suite.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DemoProcess, REPO_ROOT, tempDir } from './harness/index.ts';

const VERIFY = join(REPO_ROOT, 'test', 'tools', 'verify.ts');

/** A folder outside the repo where .ts files are ES modules, as a learner's would be. */
function folder(files: Record<string, string>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, source] of Object.entries(files))
    writeFileSync(join(dir, name), source);
  return dir;
}

const contract = `
export default {
  promises: [
    'print a line containing \`listening on <path>\` once it accepts connections',
    'answer \`hello\` with \`world\`',
    'keep a promise nobody checks here',
  ],
  checks: [
    { promise: 1, name: 'says it listens', async run(kit) { await kit.start(); } },
    { promise: 2, name: 'hello gets world', async run(kit) {
        await kit.start();
        const conn = await kit.connect();
        conn.send('hello\\n');
        await conn.expectLine('world', 'hello\\n');
    } },
    { promise: 3, name: 'the third check', async run() {} },
  ],
};
`;

/** A server for the fixture contract; \`reply\` is what it writes for each chunk. */
const server = (reply: string, ready = 'listening on'): string => `
import net from 'node:net';
const path = process.argv[process.argv.indexOf('--socket') + 1] ?? '';
const server = net.createServer((socket) => socket.on('data', () => socket.write(${reply})));
server.listen(path, () => console.log('${ready} ' + path));
`;

async function verify(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<DemoProcess> {
  const run = new DemoProcess(VERIFY, args, {
    env: { PING_PONG_VERIFY_PATIENCE: '3', ...env },
  });
  await run.waitForExit(60_000);
  return run;
}

describe('npm run verify', () => {
  const dir = () =>
    folder({
      'checks.ts': contract,
      'good.ts': server("'world\\n'"),
      'bad.ts': server("'\\x1b[31m' + 'y'.repeat(70_000) + '\\n'"),
      'almost.ts': server("'world\\n'", 'Listening at'),
    });

  it('prints the contract as a checklist first, then ✔ per check, and passes a server that keeps it', async () => {
    const at = dir();
    const run = await verify([
      '04',
      join(at, 'good.ts'),
      '--checks',
      join(at, 'checks.ts'),
    ]);
    expect(run.exitStatus?.code, run.output).toBe(0);
    const out = run.stdout;
    expect(out).toContain(`Checking ${join(at, 'good.ts')}`);
    expect(out).toContain('  [ ] 2. answer `hello` with `world`');
    expect(out.indexOf('[ ] 3.')).toBeLessThan(
      out.indexOf('✔ says it listens (promise 1)'),
    );
    expect(out).toContain('✔ hello gets world (promise 2)');
    expect(out).toContain('All 3 checks pass');
  });

  it('stops at the first failure with one short, escaped paragraph naming the broken promise', async () => {
    const at = dir();
    const run = await verify([
      '04',
      join(at, 'bad.ts'),
      '--checks',
      join(at, 'checks.ts'),
    ]);
    expect(run.exitStatus?.code, run.output).toBe(1);
    const out = run.stdout;
    expect(out).toContain('✘ hello gets world (promise 2)');
    expect(out).toContain(
      'Sent "hello\\n". Expected the line "world". Got the line "\\u001b[31myyyy',
    );
    expect(out).toContain('(70005 characters in all)');
    expect(out).toContain(
      'Your server breaks promise 2: answer `hello` with `world`',
    );
    expect(out).not.toContain('the third check'); // stopped there
    expect(out).not.toContain('\x1b');
    for (const line of out.split('\n')) expect(line.length).toBeLessThan(600);
  });

  it('says the server must print `listening on <address>` when its ready line is worded otherwise', async () => {
    const at = dir();
    const run = await verify([
      '04',
      join(at, 'almost.ts'),
      '--checks',
      join(at, 'checks.ts'),
    ]);
    expect(run.exitStatus?.code, run.output).toBe(1);
    expect(run.stdout).toContain('✘ says it listens (promise 1)');
    expect(run.stdout).toMatch(
      /Expected the server to print a line containing `listening on <address>` once it accepts connections\. Got the line "Listening at \/\S+"\./,
    );
  });

  it('explains what is missing: the lesson, the file, the exercise', async () => {
    const workspace = tempDir();
    const [none, missing, notStarted] = await Promise.all([
      verify([]),
      verify(['04', '/no/such/server.ts']),
      verify(['04'], { PING_PONG_WORKSPACE: workspace }),
    ]);
    expect(none.exitStatus?.code).toBe(2);
    expect(none.stderr).toContain('which lesson? e.g. npm run verify -- 04');
    expect(missing.exitStatus?.code).toBe(2);
    expect(missing.stderr).toContain('No file at /no/such/server.ts');
    expect(notStarted.exitStatus?.code).toBe(2);
    expect(notStarted.stderr).toContain(
      `No server at ${join(workspace, '04-bidirectional', 'server.ts')} yet. Start the exercise with \`npm run exercise -- 04\``,
    );
  });
});
