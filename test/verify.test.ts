/**
 * `npm run verify -- NN my-server.ts` runs lesson NN's end-to-end tests against a
 * learner's server. It must pass a server that does the job and fail one that does not.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DemoProcess, REPO_ROOT, tempDir } from './harness/index.ts';

const VERIFY = join(REPO_ROOT, 'test', 'tools', 'verify.ts');

/** A learner's server file, written as an ES module (.mts) outside the repository. */
function learnerServer(source: string): string {
  const path = join(tempDir(), 'my-server.mts');
  writeFileSync(path, source);
  return path;
}

async function verify(args: string[]): Promise<DemoProcess> {
  const run = new DemoProcess(VERIFY, args, { env: { CI: '' } });
  await run.waitForExit(180_000);
  return run;
}

describe('npm run verify', () => {
  it("passes a learner's server that does what lesson 04 asks", async () => {
    const mine = learnerServer(
      `import '${join(REPO_ROOT, 'demos', '04-bidirectional', 'server.ts')}';\n`,
    );
    const run = await verify(['04', mine]);
    expect(run.output).toContain(`against ${mine}`);
    expect(run.exitStatus?.code, run.output).toBe(0);
  }, 200_000);

  it("fails a learner's server that answers ping with the wrong word and hangs up", async () => {
    const mine = learnerServer(`
import net from 'node:net';
const path = process.argv[process.argv.indexOf('--socket') + 1] ?? '/tmp/ping-pong-04.sock';
const server = net.createServer((socket) => socket.on('data', () => socket.end('PONG?\\n')));
server.listen(path, () => console.log('listening on ' + path));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`);
    const run = await verify(['04', mine]);
    expect(run.exitStatus?.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/failed/i);
  }, 200_000);

  it('explains its usage when the arguments are missing or wrong', async () => {
    const none = await verify([]);
    expect(none.exitStatus?.code).toBe(2);
    expect(none.stderr).toContain(
      'usage: npm run verify -- NN path/to/your-server.ts',
    );
    const missing = await verify(['04', '/no/such/server.ts']);
    expect(missing.exitStatus?.code).toBe(2);
    expect(missing.stderr).toContain('no file at /no/such/server.ts');
  });
});
