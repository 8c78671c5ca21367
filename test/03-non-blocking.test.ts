/**
 * Lesson 03: a polling loop never waits on one client. Asserted by the order of
 * events: ticks keep coming while a client is silent, and a second client is
 * served while the first is still connected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import {
  REPO_ROOT,
  connectLines,
  hasCommand,
  runScript,
  spawnScript,
  startServer,
  tempDir,
  verifying,
  withTimeout,
  type DemoProcess,
} from './harness/index.ts';

const DEFAULT_SOCKET = '/tmp/ping-pong-03.sock';
/** Short naps keep the tests quick; the behaviour is the same at any interval. */
const FAST = ['--interval', '20'];

function lineIndex(proc: DemoProcess, pattern: RegExp, from = 0): number {
  const index = proc.lines.slice(from).findIndex((line) => pattern.test(line.text));
  return index === -1 ? -1 : index + from;
}

async function startWithSocket(): Promise<{ server: DemoProcess; socket: string }> {
  const socket = join(tempDir(), '03.sock');
  const { server } = await startServer('03', ['--socket', socket, ...FAST]);
  return { server, socket };
}

async function holdingClient(server: DemoProcess, socket: string): Promise<DemoProcess> {
  const holder = spawnScript('03', 'client.ts', ['--socket', socket, '--hold']);
  await holder.waitForLine('holding the line');
  await server.waitForLine('client 1 connected');
  return holder;
}

describe('03-non-blocking: "nothing yet" is an answer', () => {
  it('keeps ticking while a silent client is connected', async () => {
    const { server, socket } = await startWithSocket();
    await holdingClient(server, socket);
    const connectedAt = lineIndex(server, /client 1 connected/);
    const ticksSoFar = server.matching(/^tick/).length;
    await server.waitForLine(/^tick/, { count: ticksSoFar + 3 });
    // Three more passes, each of which asked client 1 and got "nothing yet".
    const later = server.lines.slice(connectedAt + 1).map((line) => line.text).filter((text) => text.startsWith('tick'));
    expect(later.length).toBeGreaterThanOrEqual(3);
    for (const text of later) expect(text).toContain('client 1: nothing yet');
  });

  it("serves a second client's ping while the first stays connected", async () => {
    const { server, socket } = await startWithSocket();
    const holder = await holdingClient(server, socket);
    expect((await runScript('03', 'client.ts', ['--socket', socket])).exitStatus.code).toBe(0);
    await server.waitForLine('client 2: "ping"');
    await server.waitForLine('client 2: left');
    expect(holder.exitStatus, 'client 1 is still connected').toBeUndefined();
    expect(server.matching('client 1: "ping"'), server.output).toEqual([]);

    holder.child.stdin?.end(); // now the first client speaks and leaves
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    await server.waitForLine('client 1: left');
    expect(lineIndex(server, /client 1: "ping"/)).toBeGreaterThan(lineIndex(server, /client 2: left/));
  });

  it('keeps serving everyone when a client floods it or vanishes mid-message', async () => {
    const { server, socket } = await startWithSocket();
    const flood = await connectLines(socket);
    flood.send('x'.repeat(1_000_000));
    await server.waitForLine(/client 1: "x+" \(\+\d+ more bytes\)/);
    flood.socket.destroy(); // gone without a goodbye
    await server.waitForLine('client 1: left');
    expect((await runScript('03', 'client.ts', ['--socket', socket])).exitStatus.code).toBe(0);
    await server.waitForLine('client 2: "ping"');
  });

  it('stops cleanly on SIGTERM and says what the polling cost', async () => {
    const { server, socket } = await startWithSocket();
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
    expect(server.output).toMatch(/\d+ passes, \d+ ms of CPU in \d+ ms/);
  });

  it('with --quiet prints only the passes where something happened', async () => {
    const socket = join(tempDir(), '03.sock');
    const { server } = await startServer('03', ['--socket', socket, '--interval', '0', '--quiet']);
    expect((await runScript('03', 'client.ts', ['--socket', socket])).exitStatus.code).toBe(0);
    await server.waitForLine('client 1: left');
    expect(server.matching(/^tick/).every((text) => !/^tick \d+ \| accept: nothing yet$/.test(text)), server.output).toBe(true);
  });

  it.skipIf(!hasCommand('python3'))('takes a ping from python3', async () => {
    const { server, socket } = await startWithSocket();
    const command = String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/tmp/ping-pong-03.sock'); s.sendall(b'ping\n')"`;
    await shell(command.replaceAll(DEFAULT_SOCKET, socket));
    await server.waitForLine('client 1: "ping"');
  });

  // socat is optional: skip, saying so, where it is not installed.
  it.skipIf(!hasCommand('socat'))('takes a ping from socat', async () => {
    const { server, socket } = await startWithSocket();
    const command = String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/tmp/ping-pong-03.sock`;
    await shell(command.replaceAll(DEFAULT_SOCKET, socket));
    await server.waitForLine('client 1: "ping"');
  });
});

// These run the lesson's own scripts by path: nothing to check about a learner's server.
describe.skipIf(verifying('03'))('03-non-blocking: evidence and measurements', () => {
  it.skipIf(!hasCommand('python3'))('the Python polling loop gets EAGAIN as "nothing yet" and still takes a ping', async () => {
    const socket = join(tempDir(), 'py.sock');
    const command = 'python3 demos/03-non-blocking/poll-by-hand.py';
    const polling = inBackground(`${command} --socket ${socket} --interval 20`);
    await polling.waitFor(/listening on/);
    await polling.waitFor(/accept: nothing yet \(EAGAIN\)/);
    expect((await runScript('03', 'client.ts', ['--socket', socket])).exitStatus.code).toBe(0);
    await polling.waitFor(/client 1: 'ping'/);
    await polling.waitFor(/client 1: left/);
  });

  it.skipIf(!hasCommand('strace') || !hasCommand('python3'))('strace shows accept4() returning EAGAIN in the hand-written loop', async () => {
    const socket = join(tempDir(), '03.sock');
    const command = 'strace -qq -e signal=none -e trace=accept4,recvfrom python3 demos/03-non-blocking/poll-by-hand.py --socket /tmp/ping-pong-03.sock --passes 3';
    const output = await shell(`${command.replaceAll(DEFAULT_SOCKET, socket)} 2>&1`);
    expect(output).toMatch(/accept4\(.*\) = -1 EAGAIN \(Resource temporarily unavailable\)/);
  });

  it.skipIf(!hasCommand('strace'))('strace shows libuv accepting in O_NONBLOCK mode only when a client is there', async () => {
    const socket = join(tempDir(), '03.sock');
    const command = 'strace -f -qq -e signal=none -e trace=accept4,read node --import tsx demos/03-non-blocking/server.ts --socket /tmp/ping-pong-03.sock';
    const traced = inBackground(command.replaceAll(DEFAULT_SOCKET, socket));
    await traced.waitFor(/listening on/);
    await traced.waitFor(/^tick 2 \| accept: nothing yet/);
    expect(traced.lines.filter((line) => line.includes('accept4(')), 'no accept4() while nobody knocks').toEqual([]);
    expect((await runScript('03', 'client.ts', ['--socket', socket])).exitStatus.code).toBe(0);
    await traced.waitFor(/accept4\(.*SOCK_NONBLOCK\) = \d+/);
    await traced.waitFor(/client 1: "ping"/);
  });

  it('the price measurement prints a row per interval', async () => {
    const price = await runScript('03', 'price.ts', ['--intervals', '10', '--pings', '2', '--idle', '0']);
    expect(price.exitStatus.code, price.output).toBe(0);
    expect(price.stdout).toMatch(/^\| 10 ms \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+% \|$/m);
  });
});

/** Runs a shell command a lesson shows; resolves with its output, rejects if it fails. */
async function shell(command: string): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', ['-c', command], { cwd: REPO_ROOT, timeout: 15_000 });
  return stdout;
}

const traces = new Set<ChildProcess>();
afterEach(() => {
  // Kill the whole process group: strace and the server it started.
  for (const child of traces) if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  traces.clear();
});

/** Runs a long-lived command (strace, a Python server) in its own process group, collecting stdout and stderr lines. */
function inBackground(command: string): { lines: string[]; waitFor(pattern: RegExp): Promise<string> } {
  const child = spawn('sh', ['-c', `exec ${command}`], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  traces.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const waiter of waiters) waiter();
    });
  }
  return {
    lines,
    waitFor: (pattern) =>
      withTimeout(
        new Promise<string>((resolve) => {
          const check = (): void => {
            const found = lines.find((line) => pattern.test(line));
            if (found === undefined) return;
            waiters.delete(check);
            resolve(found);
          };
          waiters.add(check);
          check();
        }),
        15_000,
        `${command} did not print ${String(pattern)}:\n${lines.slice(-20).join('\n')}\n`,
      ),
  };
}
