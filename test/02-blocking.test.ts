/**
 * Lesson 02: a blocking loop does one thing at a time. Every stall is asserted by
 * the order of events (who printed what before whom), never by how long it took.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  hasCommand,
  runPython,
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

const DEFAULT_SOCKET = '/tmp/ping-pong-02.sock';

async function startWithSocket(): Promise<{
  server: DemoProcess;
  socket: string;
}> {
  const socket = join(tempDir(), '02.sock');
  const { server } = await startServer('02', ['--socket', socket]);
  return { server, socket };
}

describe('02-blocking: one thing at a time', () => {
  it('a second client waits until the first leaves', async () => {
    const { server, socket } = await startWithSocket();
    const holder = await startHoldingClient('02', socket, server);

    // The second client's send succeeds (the kernel holds its bytes) and it exits...
    const second = await runScript('02', 'client.ts', ['--socket', socket]);
    expect(second.exitStatus.code, second.output).toBe(0);
    // ...but the loop is still waiting on client 1, so nobody has looked at client 2.
    expect(server.matching('client 2'), server.output).toEqual([]);

    holder.child.stdin?.end(); // the first client leaves
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    await server.waitForLine('client 2 says: "ping"');
    expectOrder(server, [
      /client 1 connected/,
      /client 1 says: "ping"/,
      /client 1 left/,
      /tick 1/,
      /client 2 connected/,
      /client 2 says: "ping"/,
    ]);
  });

  it('does no other work (no tick) while a silent client is connected', async () => {
    const { server, socket } = await startWithSocket();
    const holder = await startHoldingClient('02', socket, server);
    // Let something else happen meanwhile: a whole second client comes and goes.
    expect(
      (await runScript('02', 'client.ts', ['--socket', socket])).exitStatus
        .code,
    ).toBe(0);
    expect(server.matching(/tick/), server.output).toEqual([]);

    holder.kill('SIGTERM'); // told to leave on purpose: it sends its ping and exits 0
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    await server.waitForLine('tick 2');
    expectOrder(server, [
      /client 1 left/,
      /tick 1/,
      /client 2 says: "ping"/,
      /tick 2/,
    ]);
  });

  it('still stops cleanly on SIGINT while it waits on a silent client', async () => {
    const { server, socket } = await startWithSocket();
    const holder = await startHoldingClient('02', socket, server);
    server.kill('SIGINT');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
    // The client sees the server hang up and says so.
    expect((await holder.waitForExit()).code).toBe(1);
    expect(holder.stderr).toMatch(/server closed the connection/);
  });

  it('stops cleanly on SIGINT even while a second silent client waits in the queue', async () => {
    const { server, socket } = await startWithSocket();
    const first = await startHoldingClient('02', socket, server);
    // The loop never takes this one: it waits, connected, among the queued connections.
    const second = spawnScript('02', 'client.ts', [
      '--socket',
      socket,
      '--hold',
    ]);
    await second.waitForLine('holding the line');
    server.kill('SIGINT');
    expect((await server.waitForExit(5_000)).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
    expect((await first.waitForExit()).code).toBe(1);
    expect((await second.waitForExit()).code).toBe(1);
  });

  it('keeps serving after a client vanishes without a word', async () => {
    const { server, socket } = await startWithSocket();
    await runPython(
      'import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.close()',
      [socket],
    );
    await server.waitForLine('client 1 left');
    expect(
      (await runScript('02', 'client.ts', ['--socket', socket])).exitStatus
        .code,
    ).toBe(0);
    await server.waitForLine('client 2 says: "ping"');
  });

  it('a client with no server explains what to start', async () => {
    const client = await runScript('02', 'client.ts', [
      '--socket',
      join(tempDir(), 'nobody.sock'),
    ]);
    expect(client.exitStatus.code).toBe(1);
    expect(client.stderr).toMatch(
      /is the server running\? Start it with: npx tsx demos\/02-blocking\/server.ts/,
    );
  });

  // Both tools are optional: each test skips, naming its tool, where it is not installed.
  const byHand = {
    python3: String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/tmp/ping-pong-02.sock'); s.sendall(b'ping\n')"`,
    socat: String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/tmp/ping-pong-02.sock`,
  };
  for (const [tool, command] of Object.entries(byHand)) {
    it.skipIf(!hasCommand(tool))(`takes a ping from ${tool}`, async () => {
      const { server, socket } = await startWithSocket();
      await runShell(command.replaceAll(DEFAULT_SOCKET, socket));
      await server.waitForLine('client 1 says: "ping"');
    });
  }
});

describe('02-blocking: a synchronous call freezes the whole process', () => {
  async function startFreezer(
    args: string[],
  ): Promise<{ freezer: DemoProcess; socket: string }> {
    const socket = join(tempDir(), 'freeze.sock');
    const freezer = spawnScript('02', 'freeze.ts', [
      '--socket',
      socket,
      '--tick',
      '20',
      ...args,
    ]);
    await freezer.waitForLine('listening on');
    await freezer.waitForLine(/tick 1 /); // the timer runs before the freeze
    return { freezer, socket };
  }

  it('while fs.readSync waits, no tick fires and no client is served', async () => {
    const { freezer, socket } = await startFreezer(['--with', 'read']);
    expect(
      (
        await runScript('02', 'client.ts', [
          '--socket',
          socket,
          '--message',
          'freeze',
        ])
      ).exitStatus.code,
    ).toBe(0);
    await freezer.waitForLine('freezing');
    const ticksBefore = freezer.matching(/^tick/).length;

    // A second client connects and sends while the process sits in read(2).
    expect(
      (await runScript('02', 'client.ts', ['--socket', socket])).exitStatus
        .code,
    ).toBe(0);
    expect(freezer.matching('client 2'), freezer.output).toEqual([]);
    expect(freezer.matching(/^tick/).length, freezer.output).toBe(ticksBefore);

    freezer.child.stdin?.write('go\n');
    await freezer.waitForLine('client 2 says: "ping"');
    await freezer.waitForLine(/^tick/, { count: ticksBefore + 1 });
    expectOrder(freezer, [
      /freezing/,
      /thawed .*"go"/,
      /client 2 says: "ping"/,
    ]);
    expectOrder(freezer, [/thawed/, new RegExp(`^tick ${ticksBefore + 1} `)]);
  });

  it('even SIGTERM waits until the synchronous call returns, then exits cleanly', async () => {
    const { freezer, socket } = await startFreezer(['--with', 'read']);
    expect(
      (
        await runScript('02', 'client.ts', [
          '--socket',
          socket,
          '--message',
          'freeze',
        ])
      ).exitStatus.code,
    ).toBe(0);
    await freezer.waitForLine('freezing');
    freezer.kill('SIGTERM'); // noted by libuv's signal handler; our JavaScript handler must wait
    freezer.child.stdin?.write('go\n');
    expect((await freezer.waitForExit()).code, freezer.output).toBe(0);
    expectOrder(freezer, [/freezing/, /thawed/, /SIGTERM: closing/]);
    expect(existsSync(socket)).toBe(false);
  });

  it('a busy loop freezes it just the same, then it catches up', async () => {
    const { freezer, socket } = await startFreezer([
      '--with',
      'cpu',
      '--seconds',
      '1',
    ]);
    expect(
      (
        await runScript('02', 'client.ts', [
          '--socket',
          socket,
          '--message',
          'freeze',
        ])
      ).exitStatus.code,
    ).toBe(0);
    await freezer.waitForLine(/thawed .*busy loop/);
    const freezingAt = freezer.lines.findIndex((line) =>
      line.text.includes('freezing'),
    );
    const ticksBefore = freezer.lines
      .slice(0, freezingAt)
      .filter((line) => /^tick/.test(line.text)).length;
    await freezer.waitForLine(/^tick/, { count: ticksBefore + 1 });
    expectOrder(freezer, [/thawed/, new RegExp(`^tick ${ticksBefore + 1} `)]);
  });
});

describe('02-blocking: underneath, Node is not blocked', () => {
  // strace is optional (and needs ptrace): skip where it is missing. It traces the
  // reference server by path, so it has nothing to say about a learner's under verify.
  it.skipIf(!hasCommand('strace') || verifying('02'))(
    'libuv accepts and reads the second client at once; only our loop waits',
    async () => {
      const socket = join(tempDir(), '02.sock');
      const command =
        'strace -f -qq -e signal=none -e trace=accept4,read node --import tsx demos/02-blocking/server.ts --socket /tmp/ping-pong-02.sock';
      const traced = spawnShell(command.replaceAll(DEFAULT_SOCKET, socket));
      await traced.waitForLine(/listening on/, { timeoutMs: 15_000 });
      const holder = spawnScript('02', 'client.ts', [
        '--socket',
        socket,
        '--hold',
      ]);
      await traced.waitForLine(/client 1 connected/);
      expect(
        (await runScript('02', 'client.ts', ['--socket', socket])).exitStatus
          .code,
      ).toBe(0);
      // Two accept4() calls that returned a descriptor, and client 2's ping read from the kernel...
      await traced.waitForLine(/read\(\d+, "ping\\n"/);
      expect(traced.matching(/accept4\(.*\) = \d+$/)).toHaveLength(2);
      // ...while the JavaScript loop has still not looked at client 2.
      expect(traced.matching('client 2'), traced.output).toEqual([]);
      holder.child.stdin?.end();
      await traced.waitForLine(/client 2 says: "ping"/);
    },
  );
});
