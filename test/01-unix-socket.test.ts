/**
 * Lesson 01 · hello, socket: what the server and client promise, as a learner can check it.
 * Few process starts, several assertions each: one server at its default path answers
 * most of the lesson's commands. Attacks from another user run as `nobody` (root only).
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { execFileSync, spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DemoProcess,
  REPO_ROOT,
  hasCommand,
  runScript,
  runShellResult,
  serverScript,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
  withTimeout,
} from './harness/index.ts';
import {
  MAX_SOCKET_PATH_BYTES,
  checkSocketPath,
  isStaleSocket,
} from '../demos/01-unix-socket/socket-file.ts';
import {
  checkOwnSocket,
  defaultSocketPath,
} from '../demos/01-unix-socket/runtime-dir.ts';

/** The private folder and socket the lesson's commands show; tests swap in their own. */
const SHOWN_DIR = '/run/user/1000/ping-pong';
const SHOWN_SOCKET = `${SHOWN_DIR}/01.sock`;

/** Runs a command the lesson shows, with its paths pointed into `dir` (a test's private folder). */
function runAt(command: string, dir: string, timeoutMs?: number) {
  return runShellResult(command.replaceAll(SHOWN_DIR, dir), timeoutMs);
}

/** Exactly one non-empty line and no stack trace: what a failing demo should print. */
function expectOneClearLine(output: string): void {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  expect(lines, output).toHaveLength(1);
  expect(output).not.toMatch(/^\s+at /m);
}

/** An environment whose private folder is `<runtime>/ping-pong`, as XDG_RUNTIME_DIR makes it. */
function runtimeEnv(runtime = tempDir()): {
  env: NodeJS.ProcessEnv;
  dir: string;
  socket: string;
} {
  const dir = join(runtime, 'ping-pong');
  return {
    env: { XDG_RUNTIME_DIR: runtime },
    dir,
    socket: join(dir, '01.sock'),
  };
}

/** Tools a step needs: present, or (outside CI only) the step is left out. */
const may = (tool: string): boolean => hasCommand(tool) || !!process.env.CI;

describe('01-unix-socket: the bare program', () => {
  it("prints a client's line escaped, and Ctrl-C removes the socket and its folder", async () => {
    const bare = spawnScript('01', 'bare.ts', [], {
      env: { TMPDIR: tempDir() },
    });
    const ready = await bare.waitForLine(/listening on (\S+)/);
    const path = /listening on (\S+)/.exec(ready)?.[1] ?? '';
    expect(lstatSync(path).isSocket()).toBe(true);
    const client = await runScript('01', 'client.ts', ['--socket', path]);
    expect(client.exitStatus.code, client.output).toBe(0);
    await bare.waitForLine('got "ping\\n"');
    bare.kill('SIGINT');
    expect((await bare.waitForExit()).code, bare.output).toBe(0);
    expect(existsSync(join(path, '..'))).toBe(false);
  });
});

describe('01-unix-socket: the server at its default path', () => {
  it('serves the lesson: default private folder, user-only socket, pings from every tool, escaped bytes, one refusal, clean stop', async () => {
    const { env, dir, socket } = runtimeEnv();
    const { server, address } = await startServer('01', [], { env });
    expect(address).toBe(socket);

    // The private folder is made 0700, and the socket in it is born srw-------.
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    expect(
      (await runAt('ls -ld /run/user/1000/ping-pong', dir)).stdout,
    ).toMatch(/^drwx------ /);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
    const listing = await runAt('ls -l /run/user/1000/ping-pong/01.sock', dir);
    expect(listing.stdout).toMatch(/^srw------- /);
    const cat = await runAt('cat /run/user/1000/ping-pong/01.sock', dir);
    expect(cat.code).not.toBe(0);
    expect(cat.stderr).toContain('No such device or address');
    if (may('ss')) {
      const ss = await runAt(
        'ss -xlp | grep /run/user/1000/ping-pong/01.sock',
        dir,
      );
      expect(ss.stdout).toContain('LISTEN');
      expect(ss.stdout).toContain(`pid=${server.child.pid}`);
    }

    // The lesson's clients, at the default path and with --message.
    const ping = await runScript('01', 'client.ts', [], { env });
    expect(ping.exitStatus.code, ping.output).toBe(0);
    expect(ping.stdout).toBe(`sent "ping" to ${socket}`);
    await server.waitForLine('client 1 sent 5 bytes: "ping\\n"');
    const hello = await runScript('01', 'client.ts', ['--message', 'hello'], {
      env,
    });
    expect(hello.exitStatus.code, hello.output).toBe(0);
    await server.waitForLine('"hello\\n"');

    // Other programs: socat, OpenBSD nc, Python (the exercise's two quick writes too).
    const byHand: [string, string, string][] = [
      [
        'socat',
        String.raw`printf 'ping\n' | socat - UNIX-CONNECT:/run/user/1000/ping-pong/01.sock`,
        'ping',
      ],
      [
        'nc',
        String.raw`printf 'ping\n' | nc -U -N /run/user/1000/ping-pong/01.sock`,
        'ping',
      ],
      [
        'python3',
        String.raw`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/user/1000/ping-pong/01.sock'); s.sendall(b'ping from python\n')"`,
        'ping from python',
      ],
      [
        'python3',
        `SOCK=${SHOWN_SOCKET} ` +
          String.raw`python3 -c "import socket, os; s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK']); s.send(b'one\n'); s.send(b'two\n')"`,
        'two',
      ],
    ];
    for (const [tool, command, expected] of byHand) {
      if (!may(tool)) continue;
      const before = server.matching(expected).length;
      const result = await runAt(command, dir);
      expect(result.code, `${command}\n${result.stderr}`).toBe(0);
      await server.waitForLine(expected, { count: before + 1 });
    }

    // A client's escape codes reach the terminal escaped, never raw: the C0 ones
    // JSON.stringify catches, and the C1 CSI, DEL and a bidi override it would let through.
    const rude = net.connect(socket);
    rude.on('error', () => {});
    rude.end('title\x1b]0;pwned\x07\x1b[2J\u009b2J\x7f\u202e\n');
    await server.waitForLine(
      '\\u001b]0;pwned\\u0007\\u001b[2J\\u009b2J\\u007f\\u202e',
    );
    expect(server.output).not.toMatch(/[\x1b\x7f\u009b\u202e]/);

    // One big write arrives as many chunks; a client that vanishes mid-message harms nobody.
    const big = net.connect(socket);
    big.on('error', () => {});
    big.end(Buffer.alloc(1024 * 1024, 'x'));
    const half = net.connect(socket);
    half.on('error', () => {});
    half.write('half a messa', () => half.destroy());
    await server.waitForLine('half a messa');
    await withTimeout(
      new Promise((resolve) => big.once('close', resolve)),
      10_000,
      'the big writer was not done',
    );
    expect(server.matching(/sent \d+ bytes: "xxxx/).length).toBeGreaterThan(1);

    // A second server refuses in one line, and the first keeps its file and serves on.
    const second = new DemoProcess(serverScript('01'), [], { env });
    expect((await second.waitForExit()).code, second.output).toBe(1);
    expectOneClearLine(second.output);
    expect(second.output).toContain(
      `another server is already listening on ${socket}`,
    );
    const still = net.connect(socket);
    still.on('error', () => {});
    still.end('still there?\n');
    await server.waitForLine('still there?');

    // SIGTERM with a client still connected: that client is closed, the file removed, exit 0.
    const idle = net.connect(socket);
    idle.on('error', () => {});
    await new Promise((resolve) => idle.once('connect', resolve));
    const closed = new Promise((resolve) => idle.once('close', resolve));
    idle.resume();
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
    await withTimeout(closed, 5_000, 'the idle client was not closed');
  });

  it('SIGHUP (a closed terminal) removes the socket file too, and exits 0', async () => {
    const socket = join(tempDir(), '01.sock');
    const { server } = await startServer('01', ['--socket', socket]);
    server.kill('SIGHUP');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('after kill -9: the client says nobody is listening, the probe agrees, a restart works, and SIGINT cleans up', async () => {
    const socket = join(tempDir(), '01.sock');
    const { server: crashed } = await startServer('01', ['--socket', socket]);
    expect(await isStaleSocket(socket)).toBe(false);
    crashed.kill('SIGKILL');
    await crashed.waitForExit();
    expect(lstatSync(socket).isSocket(), 'SIGKILL leaves the file').toBe(true);
    expect(await isStaleSocket(socket)).toBe(true);

    const client = await runScript('01', 'client.ts', ['--socket', socket]);
    expect(client.exitStatus.code).toBe(1);
    expectOneClearLine(client.output);
    expect(client.output).toMatch(/exists but nobody is listening/);

    const { server } = await startServer('01', ['--socket', socket]);
    const after = net.connect(socket);
    after.on('error', () => {});
    after.end('after the crash\n');
    await server.waitForLine('"after the crash\\n"');
    server.kill('SIGINT');
    expect((await server.waitForExit()).code, server.output).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});

describe('01-unix-socket: clear one-line errors', () => {
  it('a plain file, an over-long path, a missing folder, no server, a missing XDG_RUNTIME_DIR: one line each, nothing touched', async () => {
    const dir = tempDir();
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'precious data\n');
    const long = join(dir, `${'x'.repeat(120)}.sock`);
    const missing = join(dir, 'no-such-dir', '01.sock');
    const nobodyHome = join(dir, 'nobody-home.sock');
    const runs = await Promise.all([
      runScript('01', 'server.ts', ['--socket', notes]),
      runScript('01', 'client.ts', ['--socket', notes]),
      runScript('01', 'server.ts', ['--socket', long]),
      runScript('01', 'client.ts', ['--socket', long]),
      runScript('01', 'server.ts', ['--socket', missing]),
      runScript('01', 'client.ts', ['--socket', nobodyHome]),
      // su can keep another user's XDG_RUNTIME_DIR, or it may be gone after logout.
      runScript('01', 'server.ts', [], {
        env: { XDG_RUNTIME_DIR: join(dir, 'gone') },
      }),
    ]);
    const patterns = [
      /not a socket; not touching it/,
      /is not a socket: check the path/,
      /socket path is \d+ bytes/,
      /socket path is \d+ bytes/,
      /directory is missing or not writable/,
      /no socket file at .*Start it with: npx tsx demos\/01-unix-socket\/server.ts --socket /,
      /cannot use .*gone\/ping-pong: .*gone does not exist; set XDG_RUNTIME_DIR to a folder of yours, or pass --socket PATH/,
    ];
    for (const [index, run] of runs.entries()) {
      expect(run.exitStatus.code, run.output).toBe(1);
      expectOneClearLine(run.output);
      expect(run.output).toMatch(patterns[index] as RegExp);
    }
    expect(readFileSync(notes, 'utf8')).toBe('precious data\n');
    expect(readdirSync(dir).sort()).toEqual(['notes.txt']);
  });

  it('a socket bound without care gets its mode from the umask', async () => {
    const { dir } = runtimeEnv();
    mkdirSync(dir, { mode: 0o700 });
    const result = await runAt(
      `python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('/run/user/1000/ping-pong/01.sock')" && ls -l /run/user/1000/ping-pong/01.sock && rm /run/user/1000/ping-pong/01.sock`,
      dir,
    );
    expect(result.code, result.stderr).toBe(0);
    const umask = Number.parseInt(
      execFileSync('sh', ['-c', 'umask'], { encoding: 'utf8' }).trim(),
      8,
    );
    const shown = /^s([rwx-]{9})/.exec(result.stdout)?.[1] ?? '';
    const mode = [...shown].reduce(
      (bits, char) => bits * 2 + (char === '-' ? 0 : 1),
      0,
    );
    expect(mode).toBe(0o777 & ~umask);
  });

  it('the path limit and the default path, checked in-process', () => {
    const prefix = '/tmp/';
    const fits = prefix + 'x'.repeat(MAX_SOCKET_PATH_BYTES - prefix.length);
    expect(() => checkSocketPath(fits)).not.toThrow();
    expect(() => checkSocketPath(`${fits}x`)).toThrow(/bytes/);
    const saved = process.env.XDG_RUNTIME_DIR;
    try {
      process.env.XDG_RUNTIME_DIR = '/run/user/1000';
      expect(defaultSocketPath('01')).toBe(SHOWN_SOCKET);
      delete process.env.XDG_RUNTIME_DIR;
      expect(defaultSocketPath('01')).toBe(
        join(tmpdir(), `ping-pong-${process.getuid?.()}`, '01.sock'),
      );
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  });
});

/** Attacks need a second user: root (CI) runs them as `nobody` with setpriv. */
const canBeNobody = process.getuid?.() === 0 && hasCommand('setpriv');
const AS_NOBODY = [
  'setpriv',
  '--reuid=nobody',
  '--regid=nogroup',
  '--clear-groups',
  // root's PATH may lead to tools nobody cannot run (a python3 under /root/.pyenv)
  'env',
  'PATH=/usr/local/bin:/usr/bin:/bin',
];
/** Runs a command as user nobody, to completion. */
function asNobody(...command: string[]): void {
  execFileSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), ...command], {
    stdio: 'ignore',
  });
}
/** A temp folder any user may write into (sticky, like /tmp), for the attacker. */
function sharedDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o1777);
  return dir;
}

describe.skipIf(!canBeNobody && !process.env.CI)(
  '01-unix-socket: another user cannot stand in (as nobody; needs root and setpriv)',
  () => {
    it("refuses another user's socket and a planted symlink, client and server alike, in one line", async () => {
      const dir = sharedDir();
      const impostor = join(dir, '01.sock');
      const link = join(dir, 'link.sock');
      // nobody listens at the path first, and counts who talks to it until stdin closes.
      const squatter = spawnShell(
        `${AS_NOBODY.join(' ')} python3 -c "import socket, sys, select; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); print('squatting', flush=True); heard = 0\nwhile select.select([s, sys.stdin], [], [])[0] != [sys.stdin]:\n    s.accept(); heard += 1\nprint('heard', heard, flush=True)" ${impostor}`,
      );
      await squatter.waitForLine('squatting');
      asNobody('ln', '-s', impostor, link);
      expect(lstatSync(impostor).uid).not.toBe(0);

      const runs = await Promise.all([
        runScript('01', 'client.ts', ['--socket', impostor]),
        runScript('01', 'server.ts', ['--socket', impostor]),
        runScript('01', 'client.ts', ['--socket', link]),
        runScript('01', 'server.ts', ['--socket', link]),
      ]);
      const patterns = [
        /is owned by uid \d+, not you: refusing to talk to it/,
        /belongs to uid \d+, not you; not touching it/,
        /is a symlink: refusing to follow it/,
        /exists and is not a socket; not touching it/,
      ];
      for (const [index, run] of runs.entries()) {
        expect(run.exitStatus.code, run.output).toBe(1);
        expectOneClearLine(run.output);
        expect(run.output).toMatch(patterns[index] as RegExp);
      }
      squatter.child.stdin?.end();
      await squatter.waitForLine('heard 0');
      expect(lstatSync(impostor).isSocket(), 'their file untouched').toBe(true);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
    });

    it('refuses a private folder that is open to the group, owned by nobody, or a symlink', async () => {
      const open = runtimeEnv();
      mkdirSync(open.dir, { mode: 0o700 });
      chmodSync(open.dir, 0o770);
      const foreign = runtimeEnv(sharedDir());
      asNobody('mkdir', '-m', '700', foreign.dir);
      const linked = runtimeEnv(sharedDir());
      asNobody('ln', '-s', tmpdir(), linked.dir);

      const cases = [
        [open, /is mode 770, open to other users: refusing to use it/],
        [foreign, /is owned by uid \d+, not you: refusing to use it/],
        [linked, /is a symlink, not a folder: refusing to use it/],
      ] as const;
      const runs = await Promise.all(
        cases.map(([where]) =>
          runScript('01', 'server.ts', [], { env: where.env }),
        ),
      );
      for (const [index, run] of runs.entries()) {
        expect(run.exitStatus.code, run.output).toBe(1);
        expectOneClearLine(run.output);
        expect(run.output).toMatch(cases[index]?.[1] as RegExp);
      }
      // The client makes the same check (connectOrExit → checkOwnSocket) before connect();
      // checked in-process here: its one-line exit is shown by the test above.
      const saved = process.env.XDG_RUNTIME_DIR;
      try {
        for (const [where, pattern] of cases) {
          process.env.XDG_RUNTIME_DIR = where.env.XDG_RUNTIME_DIR;
          expect(() => checkOwnSocket(defaultSocketPath('01'))).toThrow(
            pattern,
          );
        }
      } finally {
        if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
        else process.env.XDG_RUNTIME_DIR = saved;
      }
      expect(existsSync(foreign.socket) || existsSync(open.socket)).toBe(false);
    });

    // The server runs as nobody. A clone may sit where nobody cannot read it (under
    // /root), so the server goes, bundled into one file, into a folder nobody can read,
    // and runs on a node that nobody may run: this one, else the system's if it is a
    // Node the course supports (under test:compat, Node 22 and 24 live under /root).
    const nobodysNode = [
      process.execPath,
      '/usr/bin/node',
      '/usr/local/bin/node',
    ]
      .filter((node) => existsSync(node))
      .find(
        (node) =>
          canBeNobody &&
          spawnSync(AS_NOBODY[0] as string, [
            ...AS_NOBODY.slice(1),
            node,
            '-e',
            'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)',
          ]).status === 0,
      );
    it.skipIf(!nobodysNode)(
      "an ordinary user's server says why it cannot remove a stale socket in a folder it may not write",
      async () => {
        const readable = tempDir();
        chmodSync(readable, 0o755);
        const bundle = join(readable, 'server.mjs');
        buildSync({
          entryPoints: [serverScript('01')],
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node20',
          outfile: bundle,
          logLevel: 'error',
        });
        const dir = tempDir();
        chmodSync(dir, 0o755); // nobody may enter, not write
        const stale = join(dir, '01.sock');
        const python = `import socket, os; s = socket.socket(socket.AF_UNIX); s.bind('${stale}'); os.chown('${stale}', 65534, 65534)`;
        execFileSync('python3', ['-c', python]);
        const server = new DemoProcess(bundle, ['--socket', stale], {
          launcher: [...AS_NOBODY, nobodysNode as string],
        });
        expect((await server.waitForExit()).code, server.output).toBe(1);
        expectOneClearLine(server.output);
        expect(server.output).toMatch(
          /is a stale socket, but you may not remove it/,
        );
      },
    );
  },
);

/** strace needs ptrace, which some containers forbid even when strace is installed. */
const straceWorks =
  hasCommand('strace') &&
  spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0;

describe.skipIf(!straceWorks)('01-unix-socket under strace', () => {
  it('the server makes socket, bind, listen and accept4 calls; the client socket and connect', async () => {
    const socket = join(tempDir(), '01.sock');
    const serverCommand =
      'strace -f -qq -e signal=none -e trace=socket,bind,listen,accept4,connect node --import tsx demos/01-unix-socket/server.ts';
    const clientCommand =
      'strace -f -qq -e signal=none -e trace=socket,connect,shutdown node --import tsx demos/01-unix-socket/client.ts';
    const traced = spawnShell(`${serverCommand} --socket ${socket}`); // its own process group
    await traced.waitForLine('listening on', { timeoutMs: 20_000 });
    const client = await runShellResult(
      `${clientCommand} --socket ${socket}`,
      20_000,
    );
    expect(client.code, client.stderr).toBe(0);
    expect(client.stderr).toMatch(/socket\(AF_UNIX, SOCK_STREAM/);
    expect(client.stderr).toMatch(
      new RegExp(
        `connect\\(\\d+, \\{sa_family=AF_UNIX, sun_path="${socket}"}, \\d+\\) = 0`,
      ),
    );
    expect(client.stderr).toContain('shutdown(');

    // Stop the server itself (not strace) the way Ctrl-C would, and let strace follow it out.
    const pid = /\[pid\s+(\d+)\] bind\(/.exec(traced.stderr)?.[1];
    expect(pid, traced.stderr).toBeDefined();
    process.kill(Number(pid), 'SIGTERM');
    await traced.waitForExit();
    expect(traced.stderr).toMatch(
      new RegExp(`bind\\(\\d+, \\{sa_family=AF_UNIX, sun_path="${socket}"\\}`),
    );
    expect(traced.stderr).toMatch(/listen\(\d+, 511\)/);
    expect(traced.stderr).toMatch(/accept4\(\d+, /);
    expect(existsSync(socket)).toBe(false);
  });
});
