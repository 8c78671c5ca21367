/**
 * Lesson 02: a blocking loop does one thing at a time. Every stall is asserted by
 * the order of events (who printed what before whom), never by how long it took.
 * Few process starts: one server plays the whole lesson, restarts after kill -9,
 * and stops on SIGINT with clients held and queued.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DemoProcess,
  REPO_ROOT,
  demoScript,
  hasCommand,
  runPython,
  runScript,
  runShell,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
} from './harness/index.ts';
import { expectOrder } from './harness/expect.ts';

/** The private folder the lesson's commands show; tests swap in their own. */
const SHOWN_DIR = '/run/user/1000/ping-pong';

/** An environment whose private folder is `<temp>/ping-pong`, as XDG_RUNTIME_DIR makes it. */
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
    socket: join(dir, '02.sock'),
  };
}

/** Tools a step needs: present, or (outside CI only) the step is left out. */
const may = (tool: string): boolean => hasCommand(tool) || !!process.env.CI;

describe('02-blocking: the bare program', () => {
  it('serves one client at a time, ticks after each, and Ctrl-C removes the socket and its folder', async () => {
    const bare = spawnScript('02', 'bare.ts', [], {
      env: { TMPDIR: tempDir() },
    });
    const ready = await bare.waitForLine(/listening on (\S+)/);
    const path = /listening on (\S+)/.exec(ready)?.[1] ?? '';
    const holder = spawnScript('02', 'client.ts', ['--socket', path, '--hold']);
    await bare.waitForLine('client connected');
    const second = await runScript('02', 'client.ts', ['--socket', path]);
    expect(second.exitStatus.code, second.output).toBe(0);
    expect(bare.matching(/tick/), bare.output).toEqual([]);
    holder.child.stdin?.end();
    await bare.waitForLine('tick 2');
    const serving = 'client connected: nothing else runs until it leaves';
    expect(bare.lines.slice(1).map((line) => line.text)).toEqual([
      serving,
      '"ping\\n"',
      'client left; tick 1',
      serving,
      '"ping\\n"',
      'client left; tick 2',
    ]);
    bare.kill('SIGINT');
    expect((await bare.waitForExit()).code, bare.output).toBe(0);
    expect(existsSync(join(path, '..'))).toBe(false);
  });
});

describe('02-blocking: one thing at a time', () => {
  it('plays the lesson: clients queue behind a silent one, in order, escaped; kill -9 and restart; SIGINT with clients held and queued', async () => {
    const { env, dir, socket } = privateRuntime();
    const { server, address } = await startServer('02', [], { env });
    expect(address).toBe(socket);
    const holder = spawnScript('02', 'client.ts', ['--hold'], { env });
    await holder.waitForLine('holding the line');
    await server.waitForLine('client 1 connected');

    // Everyone else sends and exits at once: the kernel (libuv, here) holds their bytes.
    const second = await runScript('02', 'client.ts', [], { env });
    expect(second.exitStatus.code, second.output).toBe(0);
    const byHand = [
      [
        'python3',
        String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/user/1000/ping-pong/02.sock'); s.sendall(b'ping\n')"`,
      ],
      [
        'socat',
        String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/run/user/1000/ping-pong/02.sock`,
      ],
    ].filter(([tool]) => may(tool as string));
    for (const [, command] of byHand)
      await runShell((command as string).replaceAll(SHOWN_DIR, dir));
    const rude = net.connect(socket);
    rude.on('error', () => {});
    rude.end('\x1b]0;pwned\x07\x1b[2J\n');
    await runPython(
      'import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.close()',
      [socket],
    );
    // ...but the loop is still in client 1's recv: no tick, nobody else looked at.
    expect(server.matching(/tick|client 2/), server.output).toEqual([]);

    holder.child.stdin?.end(); // the first client speaks and leaves
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    const last = 2 + byHand.length + 2; // + the escape codes, + the one that vanished
    await server.waitForLine(`tick ${last}`);
    expectOrder(server, [
      /client 1 connected/,
      /client 1 says: "ping"/,
      /client 1 left/,
      /tick 1/,
      /client 2 connected/,
      /client 2 says: "ping"/,
      /tick 2/,
      /says: "\\u001b]0;pwned\\u0007\\u001b\[2J"/,
      new RegExp(`client ${last} left`),
    ]);
    expect(server.output).not.toContain('\x1b');

    // kill -9 leaves the file; a restart right away replaces it and serves.
    server.kill('SIGKILL');
    await server.waitForExit();
    expect(existsSync(socket), 'SIGKILL leaves the file').toBe(true);
    const { server: restarted } = await startServer('02', [], { env });
    const first = spawnScript('02', 'client.ts', ['--hold'], { env });
    await restarted.waitForLine('client 1 connected');
    const queued = spawnScript('02', 'client.ts', ['--hold'], { env });
    await queued.waitForLine('holding the line'); // connected, never taken by the loop
    restarted.kill('SIGINT');
    expect((await restarted.waitForExit(5_000)).code, restarted.output).toBe(0);
    expect(restarted.output).not.toMatch(/EADDRINUSE|^\s+at /m);
    expect(existsSync(socket)).toBe(false);
    for (const client of [first, queued]) {
      expect((await client.waitForExit()).code).toBe(1);
      expect(client.stderr).toMatch(/server closed the connection/);
    }
  });

  it('a client with no server explains what to start, in one line', async () => {
    const client = await runScript('02', 'client.ts', [
      '--socket',
      join(tempDir(), 'nobody.sock'),
    ]);
    expect(client.exitStatus.code).toBe(1);
    expect(client.stderr).toMatch(
      /^no socket file at .*: is the server running\? Start it with: npx tsx demos\/02-blocking\/server.ts$/,
    );
  });
});

/** Whether this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status). */
function sigintIgnored(): boolean {
  try {
    const mask = /SigIgn:\s*([0-9a-f]+)/.exec(
      readFileSync('/proc/self/status', 'utf8'),
    )?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 2n) !== 0n;
  } catch {
    return false;
  }
}

describe('02-blocking: a synchronous call freezes the whole process', () => {
  /** freeze.ts with fast ticks, started as `launcher` runs it; resolves after its first tick. */
  async function startFreezer(
    args: string[],
    launcher?: string[],
  ): Promise<{ freezer: DemoProcess; socket: string }> {
    const socket = join(tempDir(), 'freeze.sock');
    const freezer = new DemoProcess(
      demoScript('02', 'freeze.ts'),
      ['--socket', socket, '--tick', '20', ...args],
      // Its own process group, so kill() can play Ctrl-C: the signal reaches every process in it.
      { ownProcessGroup: true, ...(launcher ? { launcher } : {}) },
    );
    await freezer.waitForLine('listening on', { timeoutMs: 20_000 });
    await freezer.waitForLine(/tick 1 /); // the timer runs before the freeze
    return { freezer, socket };
  }

  async function freeze(socket: string, freezer: DemoProcess): Promise<void> {
    const client = await runScript('02', 'client.ts', [
      '--socket',
      socket,
      '--message',
      'freeze',
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
    await freezer.waitForLine('freezing');
  }

  it('while fs.readSync waits, no tick, no client, not even SIGTERM; then all of it, in order, and a clean exit', async () => {
    const { freezer, socket } = await startFreezer(['--with', 'read']);
    await freeze(socket, freezer);
    const ticksBefore = freezer.matching(/^tick/).length;
    // A second client connects and sends while the process sits in read(2); then SIGTERM.
    const second = await runScript('02', 'client.ts', ['--socket', socket]);
    expect(second.exitStatus.code, second.output).toBe(0);
    freezer.kill('SIGTERM');
    expect(freezer.matching('client 2'), freezer.output).toEqual([]);
    expect(freezer.matching(/^tick/).length, freezer.output).toBe(ticksBefore);

    freezer.child.stdin?.write('go\n');
    expect((await freezer.waitForExit()).code, freezer.output).toBe(0);
    expectOrder(freezer, [/freezing/, /thawed .*"go"/, /SIGTERM: closing/]);
    // Client 2 (if it got a word in before the SIGTERM handler ran) only after the thaw.
    const thawedAt = freezer.lines.findIndex((line) =>
      /thawed/.test(line.text),
    );
    for (const [index, line] of freezer.lines.entries())
      if (line.text.includes('client 2'))
        expect(index).toBeGreaterThan(thawedAt);
    expect(existsSync(socket)).toBe(false);
  });

  it('Ctrl-C (SIGINT to the whole group) mid-freeze: no stack trace, exit 0, nothing left; under npx tsx too; SIGHUP likewise', async () => {
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const runs = [
      { args: ['--with', 'sleep', '--seconds', '5'], signal: 'SIGINT' },
      {
        args: ['--with', 'cpu', '--seconds', '1'],
        signal: 'SIGINT',
        launcher: [tsx],
      },
      { args: ['--with', 'cpu', '--seconds', '1'], signal: 'SIGHUP' },
    ] as const;
    await Promise.all(
      runs.map(async ({ args, signal, ...how }) => {
        const { freezer, socket } = await startFreezer(
          [...args],
          'launcher' in how ? [...how.launcher] : undefined,
        );
        await freeze(socket, freezer);
        freezer.kill(signal); // the group: a terminal's Ctrl-C reaches `sleep` and tsx's launcher too
        const status = await freezer.waitForExit(20_000);
        expect(status.code, `${args.join(' ')}\n${freezer.output}`).toBe(0);
        expect(freezer.output).not.toMatch(/^\s+at |Error:/m);
        expectOrder(freezer, [
          /freezing/,
          /thawed/,
          new RegExp(`${signal}: closing`),
        ]);
        expect(existsSync(socket)).toBe(false);
        // Ctrl-C killed `sleep` too, unless this test runs with SIGINT ignored (a
        // background job of a script): children inherit that, and `sleep` sleeps on.
        if (args[1] === 'sleep' && !sigintIgnored())
          expect(freezer.output).toMatch(/cut short/);
      }),
    );
  });
});

describe('02-blocking: underneath, Node is not blocked', () => {
  // strace is optional (and needs ptrace): skip where it is missing.
  it.skipIf(!hasCommand('strace') && !process.env.CI)(
    'libuv accepts and reads the second client at once; only our loop waits',
    async () => {
      const dir = join(tempDir(), 'ping-pong');
      const socket = join(dir, '02.sock');
      const command =
        'strace -f -qq -e signal=none -e trace=accept4,read node --import tsx demos/02-blocking/server.ts --socket /run/user/1000/ping-pong/02.sock';
      const traced = spawnShell(command.replaceAll(SHOWN_DIR, dir), {
        env: { XDG_RUNTIME_DIR: join(dir, '..') },
      });
      await traced.waitForLine(/listening on/, { timeoutMs: 20_000 });
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
