/**
 * Lesson 01 · hello, socket: what the server and client promise, as a learner can check it.
 * `npm run verify -- 01 my-server.ts` runs the end-to-end tests against your own server.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  DemoProcess,
  hasCommand,
  runScript,
  runShellResult,
  serverScript,
  spawnShell,
  startServer,
  tempDir,
  verifying,
  withTimeout,
  type ShellResult,
} from './harness/index.ts';
import {
  MAX_SOCKET_PATH_BYTES,
  checkSocketPath,
  isStaleSocket,
} from '../demos/01-unix-socket/socket-file.ts';

/** The path the lesson's commands show; tests swap it for a fresh temp path. */
const DEFAULT_SOCKET = '/tmp/ping-pong-01.sock';

/** A fresh socket path in a fresh temp directory. */
function socketPath(): string {
  return join(tempDir(), '01.sock');
}

/** Runs a command the lesson shows, pointed at `path` instead of the default socket. */
function runAt(
  command: string,
  path: string,
  timeoutMs?: number,
): Promise<ShellResult> {
  return runShellResult(command.replaceAll(DEFAULT_SOCKET, path), timeoutMs);
}

/** Exactly one non-empty line and no stack trace: what a failing demo should print. */
function expectOneClearLine(output: string): void {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  expect(lines, output).toHaveLength(1);
  expect(output).not.toMatch(/^\s+at /m);
}

describe('01-unix-socket: hello, socket', () => {
  it('the server prints the ping a client sends', async () => {
    const path = socketPath();
    const { server } = await startServer('01', ['--socket', path]);
    const client = await runScript('01', 'client.ts', ['--socket', path]);
    expect(client.exitStatus.code, client.output).toBe(0);
    await server.waitForLine(/ping/);
  });

  it('the client sends the text given with --message', async () => {
    const path = socketPath();
    const { server } = await startServer('01', ['--socket', path]);
    const client = await runScript('01', 'client.ts', [
      '--socket',
      path,
      '--message',
      'hello daemon',
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
    await server.waitForLine(/hello daemon/);
  });

  it('the server keeps serving after a client leaves, one client after another', async () => {
    const path = socketPath();
    const { server } = await startServer('01', ['--socket', path]);
    for (const message of ['first', 'second', 'third']) {
      const client = await runScript('01', 'client.ts', [
        '--socket',
        path,
        '--message',
        message,
      ]);
      expect(client.exitStatus.code, client.output).toBe(0);
      await server.waitForLine(message);
    }
  });

  it('the socket file is a socket that only its owner may use (srw-------)', async () => {
    const path = socketPath();
    await startServer('01', ['--socket', path]);
    const stats = lstatSync(path);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    const listing = await runAt('ls -l /tmp/ping-pong-01.sock', path);
    expect(listing.stdout).toMatch(/^srw------- /);
  });

  it('a socket file cannot be read like a file: open() fails with ENXIO', async () => {
    const path = socketPath();
    await startServer('01', ['--socket', path]);
    const result = await runAt('cat /tmp/ping-pong-01.sock', path);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('No such device or address');
  });

  // ss comes with iproute2; a minimal container may not have it.
  it.skipIf(!hasCommand('ss'))(
    'ss lists the listening socket and the process behind it',
    async () => {
      const path = socketPath();
      const { server } = await startServer('01', ['--socket', path]);
      const result = await runAt('ss -xlp | grep /tmp/ping-pong-01.sock', path);
      expect(result.stdout).toContain('LISTEN');
      expect(result.stdout).toContain(path);
      expect(result.stdout).toContain(`pid=${server.child.pid}`);
    },
  );

  it('a socket bound without care gets its mode from the umask', async () => {
    const path = socketPath();
    const result = await runAt(
      `python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('/tmp/ping-pong-01.sock')" && ls -l /tmp/ping-pong-01.sock && rm /tmp/ping-pong-01.sock`,
      path,
    );
    expect(result.code, result.stderr).toBe(0);
    const umask = parseInt((await runAt('umask', path)).stdout.trim(), 8);
    const expected = (0o777 & ~umask).toString(8);
    const shown = /^s([rwx-]{9})/.exec(result.stdout)?.[1] ?? '';
    const mode = [...shown].reduce(
      (bits, char) => bits * 2 + (char === '-' ? 0 : 1),
      0,
    );
    expect(mode.toString(8)).toBe(expected);
  });

  describe('talking to it from other programs', () => {
    // socat is optional: CI installs it, a learner's machine may not have it.
    it.skipIf(!hasCommand('socat'))('socat can send it a ping', async () => {
      const path = socketPath();
      const { server } = await startServer('01', ['--socket', path]);
      const result = await runAt(
        String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/tmp/ping-pong-01.sock`,
        path,
      );
      expect(result.code, result.stderr).toBe(0);
      await server.waitForLine(/ping/);
    });

    // OpenBSD netcat has -U (Unix socket) and -N (shut down the socket at end of input).
    it.skipIf(!hasCommand('nc'))('nc -U can send it a ping', async () => {
      const path = socketPath();
      const { server } = await startServer('01', ['--socket', path]);
      const result = await runAt(
        String.raw`printf 'ping\n' | nc -U -N /tmp/ping-pong-01.sock`,
        path,
      );
      expect(result.code, result.stderr).toBe(0);
      await server.waitForLine(/ping/);
    });

    it.skipIf(!hasCommand('python3'))(
      'a Python one-liner can send it a ping',
      async () => {
        const path = socketPath();
        const { server } = await startServer('01', ['--socket', path]);
        const result = await runAt(
          String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/tmp/ping-pong-01.sock'); s.sendall(b'ping from python\n')"`,
          path,
        );
        expect(result.code, result.stderr).toBe(0);
        await server.waitForLine(/ping from python/);
      },
    );

    it.skipIf(!hasCommand('python3'))(
      'two quick writes arrive, merged into one chunk or not',
      async () => {
        const path = socketPath();
        const { server } = await startServer('01', ['--socket', path]);
        const result = await runAt(
          String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/tmp/ping-pong-01.sock'); s.send(b'one\n'); s.send(b'two\n')"`,
          path,
        );
        expect(result.code, result.stderr).toBe(0);
        // Usually one 'data' event holds both ("one\ntwo\n"); sometimes two do. Both are fine here.
        await server.waitForLine(/two/);
        expect(server.matching(/one/).length).toBeGreaterThan(0);
      },
    );
  });

  describe('stale files and live servers', () => {
    it('a stale file left by a SIGKILLed server does not stop a restart', async () => {
      const path = socketPath();
      const { server: crashed } = await startServer('01', ['--socket', path]);
      crashed.kill('SIGKILL');
      await crashed.waitForExit();
      expect(
        lstatSync(path).isSocket(),
        'SIGKILL leaves the socket file behind',
      ).toBe(true);

      const { server } = await startServer('01', ['--socket', path]);
      const client = await runScript('01', 'client.ts', ['--socket', path]);
      expect(client.exitStatus.code, client.output).toBe(0);
      await server.waitForLine(/ping/);
    });

    it('the client says when a socket file is left over and nobody listens (ECONNREFUSED)', async () => {
      const path = socketPath();
      const { server: crashed } = await startServer('01', ['--socket', path]);
      crashed.kill('SIGKILL');
      await crashed.waitForExit();
      const client = await runScript('01', 'client.ts', ['--socket', path]);
      expect(client.exitStatus.code).not.toBe(0);
      expectOneClearLine(client.output);
      expect(client.output).toMatch(/nobody is listening/);
      expect(client.output).toContain('demos/01-unix-socket/server.ts');
    });

    it('a second server on a live path refuses to start, and the first keeps serving', async () => {
      const path = socketPath();
      const { server: first } = await startServer('01', ['--socket', path]);
      const second = new DemoProcess(serverScript('01'), ['--socket', path]);
      const status = await second.waitForExit();
      expect(status.code, second.output).not.toBe(0);
      expectOneClearLine(second.output);
      expect(second.output).toMatch(/already|in use|running/i);

      expect(
        lstatSync(path).isSocket(),
        'the live server keeps its socket file',
      ).toBe(true);
      const client = await runScript('01', 'client.ts', [
        '--socket',
        path,
        '--message',
        'still there?',
      ]);
      expect(client.exitStatus.code, client.output).toBe(0);
      await first.waitForLine(/still there\?/);
    });

    it('a path that is not a socket is left alone', async () => {
      const path = socketPath();
      writeFileSync(path, 'precious data\n');
      const server = new DemoProcess(serverScript('01'), ['--socket', path]);
      const status = await server.waitForExit();
      expect(status.code, server.output).not.toBe(0);
      expectOneClearLine(server.output);
      expect(readFileSync(path, 'utf8')).toBe('precious data\n');
    });
  });

  describe('shutting down', () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      it(`${signal} removes the socket file and the server exits 0`, async () => {
        const path = socketPath();
        const { server } = await startServer('01', ['--socket', path]);
        server.kill(signal);
        const status = await server.waitForExit();
        expect(status.code, server.output).toBe(0);
        expect(existsSync(path)).toBe(false);
      });
    }

    it('SIGTERM also closes clients that are still connected', async () => {
      const path = socketPath();
      const { server } = await startServer('01', ['--socket', path]);
      const idle = net.connect(path);
      await new Promise<void>((resolve, reject) =>
        idle.once('connect', resolve).once('error', reject),
      );
      const closed = new Promise<void>((resolve) =>
        idle.once('close', () => resolve()),
      );
      idle.on('error', () => {});
      idle.resume();
      server.kill('SIGTERM');
      expect((await server.waitForExit()).code, server.output).toBe(0);
      await withTimeout(closed, 5_000, 'the idle client was not closed');
    });
  });

  describe('bad input', () => {
    it('one big write arrives as many chunks, and the server keeps serving', async () => {
      const path = socketPath();
      const { server } = await startServer('01', ['--socket', path]);
      const big = net.connect(path);
      big.on('error', () => {});
      big.resume();
      await new Promise<void>((resolve) =>
        big.end(Buffer.alloc(1024 * 1024, 'x'), () => resolve()),
      );
      await new Promise<void>((resolve) => big.once('close', () => resolve()));
      const client = await runScript('01', 'client.ts', [
        '--socket',
        path,
        '--message',
        'after the flood',
      ]);
      expect(client.exitStatus.code, client.output).toBe(0);
      await server.waitForLine(/after the flood/);
      // A 'data' event is one read(): 1 MiB cannot fit in one, so there were several.
      expect(server.matching(/xxxx/).length).toBeGreaterThan(1);
    });

    it('a client that vanishes mid-connection does not stop the server', async () => {
      const path = socketPath();
      const { server } = await startServer('01', ['--socket', path]);
      const rude = net.connect(path);
      rude.on('error', () => {});
      await new Promise<void>((resolve) =>
        rude.once('connect', () => resolve()),
      );
      rude.write('half a messa');
      rude.destroy();
      await server.waitForLine(/half a messa/);
      const client = await runScript('01', 'client.ts', ['--socket', path]);
      expect(client.exitStatus.code, client.output).toBe(0);
      await server.waitForLine(/ping/);
    });
  });

  describe('clear errors', () => {
    it('the client without a server fails with one line naming the server to start', async () => {
      const path = socketPath();
      const client = await runScript('01', 'client.ts', ['--socket', path]);
      expect(client.exitStatus.code).not.toBe(0);
      expectOneClearLine(client.output);
      expect(client.output).toContain('npx tsx demos/01-unix-socket/server.ts');
    });

    it('the client pointed at a plain file says it is not a socket', async () => {
      const path = join(tempDir(), 'notes.txt');
      writeFileSync(path, 'not a socket\n');
      const client = await runScript('01', 'client.ts', ['--socket', path]);
      expect(client.exitStatus.code).not.toBe(0);
      expectOneClearLine(client.output);
      expect(client.output).toMatch(/not a socket/);
    });

    it('an over-long socket path gets a clear error, not a truncated socket', async () => {
      const dir = tempDir();
      const path = join(dir, `${'x'.repeat(120)}.sock`);
      const server = new DemoProcess(serverScript('01'), ['--socket', path]);
      const status = await server.waitForExit();
      expect(status.code, server.output).not.toBe(0);
      expectOneClearLine(server.output);
      expect(server.output).toMatch(/bytes|too long/i);
      expect(readdirSync(dir), 'no socket file under a shortened name').toEqual(
        [],
      );
    });

    it('the client refuses an over-long path too, rather than connect to a shortened one', async () => {
      const path = join(tempDir(), `${'x'.repeat(120)}.sock`);
      const client = await runScript('01', 'client.ts', ['--socket', path]);
      expect(client.exitStatus.code).not.toBe(0);
      expectOneClearLine(client.output);
      expect(client.output).toMatch(/bytes/);
    });

    it('a missing directory is reported as such (libuv says EACCES)', async () => {
      const path = join(tempDir(), 'no-such-dir', '01.sock');
      const server = new DemoProcess(serverScript('01'), ['--socket', path]);
      const status = await server.waitForExit();
      expect(status.code, server.output).not.toBe(0);
      expectOneClearLine(server.output);
      if (!verifying('01'))
        expect(server.output).toMatch(/directory is missing/);
    });
  });

  describe.skipIf(verifying('01'))(
    'the shared socket helpers (in-process)',
    () => {
      it('checkSocketPath accepts a path up to the limit and rejects one byte more', () => {
        const prefix = '/tmp/';
        expect(() =>
          checkSocketPath(
            prefix + 'x'.repeat(MAX_SOCKET_PATH_BYTES - prefix.length),
          ),
        ).not.toThrow();
        expect(() =>
          checkSocketPath(
            prefix + 'x'.repeat(MAX_SOCKET_PATH_BYTES - prefix.length + 1),
          ),
        ).toThrow(/bytes/);
      });

      it('isStaleSocket tells a leftover file from a live server', async () => {
        const path = socketPath();
        const { server: crashed } = await startServer('01', ['--socket', path]);
        expect(await isStaleSocket(path)).toBe(false);
        crashed.kill('SIGKILL');
        await crashed.waitForExit();
        expect(await isStaleSocket(path)).toBe(true);
      });
    },
  );
});

/** strace needs ptrace, which some containers forbid even when strace is installed. */
const straceWorks =
  hasCommand('strace') &&
  spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0;

describe.skipIf(!straceWorks || verifying('01'))(
  '01-unix-socket under strace',
  () => {
    it('the server makes socket, bind, listen and accept4 calls; the client socket and connect', async () => {
      const path = socketPath();
      const serverCommand =
        'strace -f -qq -e signal=none -e trace=socket,bind,listen,accept4,connect node --import tsx demos/01-unix-socket/server.ts';
      const clientCommand =
        'strace -f -qq -e signal=none -e trace=socket,connect,shutdown node --import tsx demos/01-unix-socket/client.ts';
      const traced = spawnShell(`${serverCommand} --socket ${path}`); // its own process group: teardown kills strace and server
      await traced.waitForLine('listening on', { timeoutMs: 20_000 });
      const client = await runAt(
        `${clientCommand} --socket ${path}`,
        path,
        20_000,
      );
      expect(client.code, client.stderr).toBe(0);
      expect(client.stderr).toMatch(/socket\(AF_UNIX, SOCK_STREAM/);
      expect(client.stderr).toContain(`connect(`);
      expect(client.stderr).toMatch(
        new RegExp(`sun_path="${path}"}, \\d+\\) = 0`),
      );
      expect(client.stderr).toContain('shutdown(');

      // Stop the server itself (not strace) the way Ctrl-C would, and let strace follow it out.
      const pid = /\[pid\s+(\d+)\] bind\(/.exec(traced.stderr)?.[1];
      expect(pid, traced.stderr).toBeDefined();
      process.kill(Number(pid), 'SIGTERM');
      await traced.waitForExit();
      expect(traced.stderr).toMatch(
        new RegExp(`bind\\(\\d+, \\{sa_family=AF_UNIX, sun_path="${path}"\\}`),
      );
      expect(traced.stderr).toMatch(/listen\(\d+, 511\)/);
      expect(traced.stderr).toMatch(/accept4\(\d+, /);
      expect(existsSync(path)).toBe(false);
    });
  },
);
