/**
 * Lesson 03: a polling loop never waits on one client. Asserted by the order of
 * events: ticks keep coming while a client is silent, and a second client is
 * served while the first is still connected.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  runScript,
  runShell,
  spawnScript,
  spawnShell,
  startHoldingClient,
  startServer,
  tempDir,
  verifying,
  type DemoProcess,
} from './harness/index.ts';
import { expectOrder } from './harness/expect.ts';

const DEFAULT_SOCKET = '/tmp/ping-pong-03.sock';
/** Short naps keep the tests quick; the behaviour is the same at any interval. */
const FAST = ['--interval', '20'];

async function startWithSocket(): Promise<{
  server: DemoProcess;
  socket: string;
}> {
  const socket = join(tempDir(), '03.sock');
  const { server } = await startServer('03', ['--socket', socket, ...FAST]);
  return { server, socket };
}

describe('03-non-blocking: "nothing yet" is an answer', () => {
  it('keeps ticking while a silent client is connected', async () => {
    const { server, socket } = await startWithSocket();
    await startHoldingClient('03', socket, server);
    const connectedAt = server.lines.findIndex((line) =>
      line.text.includes('client 1 connected'),
    );
    const ticksSoFar = server.matching(/^tick/).length;
    await server.waitForLine(/^tick/, { count: ticksSoFar + 3 });
    // Three more passes, each of which asked client 1 and got "nothing yet".
    const later = server.lines
      .slice(connectedAt + 1)
      .map((line) => line.text)
      .filter((text) => text.startsWith('tick'));
    expect(later.length).toBeGreaterThanOrEqual(3);
    for (const text of later) expect(text).toContain('client 1: nothing yet');
  });

  it("serves a second client's ping while the first stays connected", async () => {
    const { server, socket } = await startWithSocket();
    const holder = await startHoldingClient('03', socket, server);
    expect(
      (await runScript('03', 'client.ts', ['--socket', socket])).exitStatus
        .code,
    ).toBe(0);
    await server.waitForLine('client 2: "ping"');
    await server.waitForLine('client 2: left');
    expect(holder.exitStatus, 'client 1 is still connected').toBeUndefined();
    expect(server.matching('client 1: "ping"'), server.output).toEqual([]);

    holder.child.stdin?.end(); // now the first client speaks and leaves
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    await server.waitForLine('client 1: left');
    expectOrder(server, [/client 2: left/, /client 1: "ping"/]);
  });

  it('keeps serving everyone when a client floods it or vanishes mid-message', async () => {
    const { server, socket } = await startWithSocket();
    const flood = await connectLines(socket);
    flood.send('x'.repeat(1_000_000));
    await server.waitForLine(/client 1: "x+" \(\+\d+ more bytes\)/);
    flood.socket.destroy(); // gone without a goodbye
    await server.waitForLine('client 1: left');
    expect(
      (await runScript('03', 'client.ts', ['--socket', socket])).exitStatus
        .code,
    ).toBe(0);
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
    const { server } = await startServer('03', [
      '--socket',
      socket,
      '--interval',
      '0',
      '--quiet',
    ]);
    expect(
      (await runScript('03', 'client.ts', ['--socket', socket])).exitStatus
        .code,
    ).toBe(0);
    await server.waitForLine('client 1: left');
    expect(
      server
        .matching(/^tick/)
        .every((text) => !/^tick \d+ \| accept: nothing yet$/.test(text)),
      server.output,
    ).toBe(true);
  });

  // Both tools are optional: each test skips, naming its tool, where it is not installed.
  const byHand = {
    python3: String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/tmp/ping-pong-03.sock'); s.sendall(b'ping\n')"`,
    socat: String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/tmp/ping-pong-03.sock`,
  };
  for (const [tool, command] of Object.entries(byHand)) {
    it.skipIf(!hasCommand(tool))(`takes a ping from ${tool}`, async () => {
      const { server, socket } = await startWithSocket();
      await runShell(command.replaceAll(DEFAULT_SOCKET, socket));
      await server.waitForLine('client 1: "ping"');
    });
  }
});

// These run the lesson's own scripts by path: nothing to check about a learner's server.
describe.skipIf(verifying('03'))(
  '03-non-blocking: evidence and measurements',
  () => {
    it.skipIf(!hasCommand('python3'))(
      'the Python polling loop gets EAGAIN as "nothing yet" and still takes a ping',
      async () => {
        const socket = join(tempDir(), 'py.sock');
        const command = 'python3 demos/03-non-blocking/poll-by-hand.py';
        const polling = spawnShell(
          `${command} --socket ${socket} --interval 20`,
        );
        await polling.waitForLine(/listening on/);
        await polling.waitForLine(/accept: nothing yet \(EAGAIN\)/);
        expect(
          (await runScript('03', 'client.ts', ['--socket', socket])).exitStatus
            .code,
        ).toBe(0);
        await polling.waitForLine(/client 1: 'ping'/);
        await polling.waitForLine(/client 1: left/);
      },
    );

    it.skipIf(!hasCommand('strace') || !hasCommand('python3'))(
      'strace shows accept4() returning EAGAIN in the hand-written loop',
      async () => {
        const socket = join(tempDir(), '03.sock');
        const command =
          'strace -qq -e signal=none -e trace=accept4,recvfrom python3 demos/03-non-blocking/poll-by-hand.py --socket /tmp/ping-pong-03.sock --passes 3';
        const output = await runShell(
          `${command.replaceAll(DEFAULT_SOCKET, socket)} 2>&1`,
        );
        expect(output).toMatch(
          /accept4\(.*\) = -1 EAGAIN \(Resource temporarily unavailable\)/,
        );
      },
    );

    it.skipIf(!hasCommand('strace'))(
      'strace shows libuv accepting in O_NONBLOCK mode only when a client is there',
      async () => {
        const socket = join(tempDir(), '03.sock');
        const command =
          'strace -f -qq -e signal=none -e trace=accept4,read node --import tsx demos/03-non-blocking/server.ts --socket /tmp/ping-pong-03.sock';
        const traced = spawnShell(command.replaceAll(DEFAULT_SOCKET, socket));
        await traced.waitForLine(/listening on/, { timeoutMs: 15_000 });
        await traced.waitForLine(/^tick 2 \| accept: nothing yet/);
        expect(
          traced.matching('accept4('),
          'no accept4() while nobody knocks',
        ).toEqual([]);
        expect(
          (await runScript('03', 'client.ts', ['--socket', socket])).exitStatus
            .code,
        ).toBe(0);
        await traced.waitForLine(/accept4\(.*SOCK_NONBLOCK\) = \d+/);
        await traced.waitForLine(/client 1: "ping"/);
      },
    );

    it('the price measurement prints a row per interval', async () => {
      const price = await runScript('03', 'price.ts', [
        '--intervals',
        '10',
        '--pings',
        '2',
        '--idle',
        '0',
      ]);
      expect(price.exitStatus.code, price.output).toBe(0);
      expect(price.stdout).toMatch(
        /^\| 10 ms \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+% \|$/m,
      );
    });
  },
);
