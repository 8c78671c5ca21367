/**
 * Lesson 03: a polling loop never waits on one client. Asserted by the order of
 * events and by counting passes, never by time: ticks keep coming while a client is
 * silent, a second client is served while the first is still connected, and a burst
 * of connections does not starve the next client.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  hasCommand,
  runScript,
  runShell,
  spawnScript,
  spawnShell,
  startHoldingClient,
  startServer,
  tempDir,
  type DemoProcess,
} from './harness/index.ts';
import { expectOrder } from './harness/expect.ts';

/** The private folder the lesson's commands show; tests swap in their own. */
const SHOWN_DIR = '/run/user/1000/ping-pong';
/** Short naps keep the tests quick; the behaviour is the same at any interval. */
const FAST = ['--interval', '20'];

function privateRuntime(): {
  env: NodeJS.ProcessEnv;
  dir: string;
  socket: string;
} {
  const runtime = tempDir();
  const dir = join(runtime, 'ping-pong');
  return {
    env: { XDG_RUNTIME_DIR: runtime },
    dir,
    socket: join(dir, '03.sock'),
  };
}

/** Tools a step needs: present, or (outside CI only) the step is left out. */
const may = (tool: string): boolean => hasCommand(tool) || !!process.env.CI;

const passes = (server: DemoProcess): number =>
  server.matching(/^tick \d+ \|/).length;

/** Connects `count` raw clients at once; half of them hang up right away. */
async function burst(socket: string, count: number): Promise<net.Socket[]> {
  const sockets = Array.from({ length: count }, () => net.connect(socket));
  for (const s of sockets) s.on('error', () => {});
  await Promise.all(sockets.map((s) => once(s, 'connect')));
  sockets.slice(0, count / 2).forEach((s) => s.end());
  return sockets;
}

describe('03-non-blocking: the bare program', () => {
  it('serves a second client while the first is silent, then Ctrl-C removes the socket and its folder', async () => {
    const bare = spawnScript('03', 'bare.ts', [], {
      env: { TMPDIR: tempDir() },
    });
    const ready = await bare.waitForLine(/listening on (\S+)/);
    const path = /listening on (\S+)/.exec(ready)?.[1] ?? '';
    const holder = spawnScript('03', 'client.ts', ['--socket', path, '--hold']);
    await holder.waitForLine('holding the line');
    await bare.waitForLine(/^tick \d+ \| null$/);
    const second = await runScript('03', 'client.ts', ['--socket', path]);
    expect(second.exitStatus.code, second.output).toBe(0);
    await bare.waitForLine(/\| null \| "ping\\n"$/);
    expect(holder.exitStatus, 'client 1 is still connected').toBeUndefined();
    holder.child.stdin?.end();
    await bare.waitForLine(/"ping\\n"/, { count: 2 }); // client 1 speaks at last
    await bare.waitForLine(/^tick \d+ \| no clients$/);
    bare.kill('SIGINT');
    expect((await bare.waitForExit()).code, bare.output).toBe(0);
    expect(existsSync(join(path, '..'))).toBe(false);
  });
});

describe('03-non-blocking: "nothing yet" is an answer', () => {
  it('plays the lesson: ticks past a silent client, serves the others, escapes bytes, survives a flood and a burst, stops cleanly', async () => {
    const { env, dir, socket } = privateRuntime();
    const { server, address } = await startServer('03', FAST, { env });
    expect(address).toBe(socket);
    const holder = await startHoldingClient('03', socket, server);

    // Three more passes, each of which asked client 1 and got "nothing yet".
    const connectedAt = passes(server);
    await server.waitForLine(/^tick/, { count: connectedAt + 3 });
    const later = server
      .matching(/^tick/)
      .slice(connectedAt)
      .filter((text) => !text.includes('client 2'));
    for (const text of later) expect(text).toContain('client 1: nothing yet');

    // A second client, and pings from Python and socat, are served while client 1 waits.
    const second = await runScript('03', 'client.ts', [], { env });
    expect(second.exitStatus.code, second.output).toBe(0);
    await server.waitForLine('client 2: left');
    expectOrder(server, [/client 2: "ping"/, /client 2: left/]);
    const byHand = [
      [
        'python3',
        String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/user/1000/ping-pong/03.sock'); s.sendall(b'ping\n')"`,
      ],
      [
        'socat',
        String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/run/user/1000/ping-pong/03.sock`,
      ],
    ].filter(([tool]) => may(tool as string));
    for (const [index, [, command]] of byHand.entries()) {
      await runShell((command as string).replaceAll(SHOWN_DIR, dir));
      await server.waitForLine(`client ${3 + index}: "ping"`);
    }

    // Escape codes are printed escaped; a flood is cut short; both leave, nobody else harmed.
    const rude = net.connect(socket);
    rude.on('error', () => {});
    rude.end('\x1b]0;pwned\x07\x1b[2J\n');
    await server.waitForLine('"\\u001b]0;pwned\\u0007\\u001b[2J"');
    expect(server.output).not.toContain('\x1b');
    const flood = net.connect(socket);
    flood.on('error', () => {});
    flood.write('x'.repeat(1_000_000));
    await server.waitForLine(/: "x+" \(\+\d+ more bytes\)/);
    flood.destroy();

    // A burst of 200 (half connect and close at once): the next client is served within
    // a few passes, because each pass takes everyone waiting, not one per pass.
    const crowd = await burst(socket, 200);
    const before = passes(server);
    const newcomer = net.connect(socket);
    newcomer.on('error', () => {});
    newcomer.end('newcomer\n');
    await server.waitForLine('"newcomer"');
    expect(passes(server) - before, server.output.slice(-2000)).toBeLessThan(
      10,
    );
    expect(server.matching(/\d+ clients \(\d+ … \d+\)/).length).toBeGreaterThan(
      0,
    );
    crowd.forEach((s) => s.destroy());

    holder.child.stdin?.end(); // now the first client speaks and leaves
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    await server.waitForLine('client 1: left');
    expectOrder(server, [/client 2: left/, /client 1: "ping"/]);

    server.kill('SIGTERM');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
    expect(server.output).toMatch(/\d+ passes, \d+ ms of CPU in \d+ ms/);
  });

  it('restarts right after kill -9, and SIGINT then exits 0 and leaves nothing', async () => {
    const socket = join(tempDir(), '03.sock');
    const { server: crashed } = await startServer('03', [
      '--socket',
      socket,
      ...FAST,
    ]);
    crashed.kill('SIGKILL');
    await crashed.waitForExit();
    expect(existsSync(socket), 'SIGKILL leaves the file').toBe(true);
    const { server } = await startServer('03', ['--socket', socket, ...FAST]);
    const client = net.connect(socket);
    client.on('error', () => {});
    client.end('after the crash\n');
    await server.waitForLine('client 1: "after the crash"');
    server.kill('SIGINT');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('with --quiet prints only the passes where something happened; SIGHUP exits 0 and leaves nothing', async () => {
    const socket = join(tempDir(), '03.sock');
    const { server } = await startServer('03', [
      '--socket',
      socket,
      '--interval',
      '0',
      '--quiet',
    ]);
    const client = await runScript('03', 'client.ts', ['--socket', socket]);
    expect(client.exitStatus.code, client.output).toBe(0);
    await server.waitForLine('client 1: left');
    expect(server.matching(/^tick/).length).toBeGreaterThan(0);
    for (const text of server.matching(/^tick/))
      expect(text).not.toMatch(/^tick \d+ \| accept: nothing yet$/);
    server.kill('SIGHUP');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});

describe('03-non-blocking: evidence and measurements', () => {
  it.skipIf(!may('python3'))(
    'the Python polling loop gets EAGAIN as "nothing yet", takes a ping, and cleans up on SIGTERM',
    async () => {
      const { env, socket } = privateRuntime();
      const polling = spawnShell(
        'exec python3 demos/03-non-blocking/poll-by-hand.py',
        { env },
      );
      await polling.waitForLine(`listening on ${socket}`);
      await polling.waitForLine(/accept: nothing yet \(EAGAIN\)/);
      const client = await runScript('03', 'client.ts', [], { env });
      expect(client.exitStatus.code, client.output).toBe(0);
      await polling.waitForLine(/client 1: 'ping'/);
      await polling.waitForLine(/client 1: left/);
      polling.kill('SIGTERM');
      expect((await polling.waitForExit()).code, polling.output).toBe(0);
      expect(existsSync(socket)).toBe(false);
    },
  );

  it.skipIf(!may('strace') || !may('python3'))(
    'strace shows accept4() returning EAGAIN in the hand-written loop',
    async () => {
      const { dir } = privateRuntime();
      const command =
        'strace -qq -e signal=none -e trace=accept4,recvfrom python3 demos/03-non-blocking/poll-by-hand.py --socket /run/user/1000/ping-pong/03.sock --passes 3';
      const output = await runShell(
        `XDG_RUNTIME_DIR=${join(dir, '..')} ${command.replaceAll(SHOWN_DIR, dir)} 2>&1`,
      );
      expect(output).toMatch(
        /accept4\(.*\) = -1 EAGAIN \(Resource temporarily unavailable\)/,
      );
    },
  );

  it.skipIf(!may('strace'))(
    'strace shows libuv accepting in O_NONBLOCK mode only when a client is there',
    async () => {
      const { env, dir, socket } = privateRuntime();
      const command =
        'strace -f -qq -e signal=none -e trace=accept4,read node --import tsx demos/03-non-blocking/server.ts --socket /run/user/1000/ping-pong/03.sock';
      const traced = spawnShell(command.replaceAll(SHOWN_DIR, dir), { env });
      await traced.waitForLine(/listening on/, { timeoutMs: 20_000 });
      await traced.waitForLine(/^tick 2 \| accept: nothing yet/);
      expect(
        traced.matching('accept4('),
        'no accept4() while nobody knocks',
      ).toEqual([]);
      const client = await runScript('03', 'client.ts', [], { env });
      expect(client.exitStatus.code, client.output).toBe(0);
      await traced.waitForLine(/accept4\(.*SOCK_NONBLOCK\) = \d+/);
      await traced.waitForLine(/client 1: "ping"/);
      expect(socket.startsWith(dir)).toBe(true);
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
});
