/**
 * Lesson 05 · the N+1 problem: one server, one thread, many clients at once.
 * `npm run verify -- 05 my-server.ts` runs the end-to-end tests against your own server.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  runPython,
  runScript,
  runShellResult,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
  verifying,
  type ShellResult,
} from './harness/index.ts';

/** The path the lesson's commands show; tests swap it for a fresh temp path. */
const DEFAULT_SOCKET = '/tmp/ping-pong-05.sock';
/** How the lesson's commands find the server's pid; tests swap in the pid they know. */
const FIND_SERVER = "$(pgrep -nf '05-poll/serve[r]')";
/** The lesson's commands, verbatim. */
const FREEZE = "kill -STOP $(pgrep -nf '05-poll/serve[r]')";
const THAW = "kill -CONT $(pgrep -nf '05-poll/serve[r]')";
const SIGNALS_IGNORED =
  "grep SigIgn /proc/$(pgrep -nf '05-poll/serve[r]')/status";
const OWN_SIGNALS_IGNORED = 'grep SigIgn /proc/self/status';
const SOCAT_PING = String.raw`printf 'ping hello\nping\n' | socat - UNIX-CONNECT:/tmp/ping-pong-05.sock`;
const SOCAT_TOO_LATE = String.raw`printf 'ping too-late\n' | socat -t 0 - UNIX-CONNECT:/tmp/ping-pong-05.sock`;

/** Whether signal `signal` is set in a `SigIgn:` line of /proc/PID/status (bit n-1 is signal n). */
function ignores(statusLine: string, signal: number): boolean {
  const mask = BigInt(
    `0x${/SigIgn:\s*([0-9a-f]+)/.exec(statusLine)?.[1] ?? '0'}`,
  );
  return ((mask >> BigInt(signal - 1)) & 1n) === 1n;
}
const SIGPIPE = 13;

function socketPath(): string {
  return join(tempDir(), '05.sock');
}

/** Runs a command the lesson shows, aimed at this test's socket and server. */
function runLessonCommand(
  command: string,
  target: { path: string; pid?: number },
): Promise<ShellResult> {
  let line = command.replaceAll(DEFAULT_SOCKET, target.path);
  if (target.pid !== undefined)
    line = line.replaceAll(FIND_SERVER, String(target.pid));
  return runShellResult(line);
}

/** Whether strace can trace here (containers often forbid ptrace). */
function straceWorks(): boolean {
  return (
    hasCommand('strace') &&
    spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0
  );
}

describe('05-poll: many clients, one thread', () => {
  it('answers a hundred clients at once, every pong on the connection that asked', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    // The client tags every ping with its connection and turn (ping c17-4) and counts
    // a pong carrying another connection's tag as a mix-up.
    const client = await runScript('05', 'client.ts', [
      '--socket',
      path,
      '--clients',
      '100',
      '--count',
      '20',
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
    expect(client.stdout).toContain('100 connected, 0 failed');
    expect(client.stdout).toContain(
      'pongs: 2000 of 2000, all on the right connection',
    );

    await server.waitForLine(/disconnected/, { count: 100 });
    expect(server.matching(/^client \d+ connected/)).toHaveLength(100);
    expect(server.matching(/disconnected/).at(-1)).toMatch(/\(0 clients\)$/);
  });

  it('keeps pings from different connections apart, however their bytes arrive', async () => {
    const path = socketPath();
    await startServer('05', ['--socket', path]);
    const connections = await Promise.all(
      Array.from({ length: 10 }, () => connectLines(path)),
    );
    // Turn by turn, every connection sends in a different way: two pings in one
    // write, or one ping split in two writes. Each must hear only its own tags, in order.
    for (let turn = 1; turn <= 5; turn++) {
      connections.forEach((connection, index) => {
        if (index % 2 === 0)
          connection.send(`ping c${index}-${turn}a\nping c${index}-${turn}b\n`);
        else {
          connection.send(`ping c${index}-`);
          connection.send(`${turn}a\nping c${index}-${turn}b\n`);
        }
      });
      for (const [index, connection] of connections.entries()) {
        expect(await connection.nextLine()).toBe(`pong c${index}-${turn}a`);
        expect(await connection.nextLine()).toBe(`pong c${index}-${turn}b`);
      }
    }
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('removes a client killed with SIGKILL mid-conversation while the others carry on', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    const doomed = spawnScript('05', 'client.ts', [
      '--socket',
      path,
      '--clients',
      '1',
      '--count',
      '100000',
      '--interval',
      '5',
    ]);
    await server.waitForLine(/client 1 connected \(1 client\)/);
    const others = spawnScript('05', 'client.ts', [
      '--socket',
      path,
      '--clients',
      '5',
      '--count',
      '60',
      '--interval',
      '10',
    ]);
    await server.waitForLine(/\(6 clients\)/);

    doomed.kill('SIGKILL');
    // The kernel closes a dead process's sockets. The server reads end of stream,
    // or ECONNRESET if the dead client left a pong unread.
    await server.waitForLine(
      /client 1 disconnected: (end of stream|ECONNRESET)/,
    );
    await others.waitForExit(20_000);
    expect(others.exitStatus?.code, others.output).toBe(0);
    expect(others.stdout).toContain(
      'pongs: 300 of 300, all on the right connection',
    );
    await server.waitForLine(/disconnected: .*\(0 clients\)/);
  });

  it.skipIf(!hasCommand('python3'))(
    'removes a client that died with pongs unread, reporting ECONNRESET',
    async () => {
      // (skipped without python3, which plays the client that dies)
      const path = socketPath();
      const { server } = await startServer('05', ['--socket', path]);
      const program = [
        'import socket, sys',
        'client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
        'client.connect(sys.argv[1])',
        'client.sendall(b"ping unread\\n")',
        'client.recv(1, socket.MSG_PEEK)  # wait until the pong has arrived, but leave it unread',
        'client.close()',
        'print("closed with a pong unread")',
      ].join('\n');
      expect(await runPython(program, [path])).toContain(
        'closed with a pong unread',
      );
      await server.waitForLine(
        /client 1 disconnected: ECONNRESET \(0 clients\)/,
      );

      const next = await connectLines(path);
      next.send('ping still-serving\n');
      expect(await next.nextLine()).toBe('pong still-serving');
    },
  );

  it('survives writing a pong to a client that has already gone (EPIPE), and carries on', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    const leaver = await connectLines(path);
    await server.waitForLine(/client 1 connected/);
    // Freeze the server so the ping is still unread when the client vanishes: on
    // waking it reads the ping, writes the pong to a closed socket and gets EPIPE.
    server.kill('SIGSTOP');
    try {
      await new Promise<void>((resolve) =>
        leaver.socket.write('ping too-late\n', () => resolve()),
      );
      const gone = new Promise((resolve) =>
        leaver.socket.once('close', resolve),
      );
      leaver.socket.destroy();
      await gone;
    } finally {
      server.kill('SIGCONT');
    }
    await server.waitForLine(/client 1 disconnected: EPIPE \(0 clients\)/);

    const next = await connectLines(path);
    next.send('ping still-serving\n');
    expect(await next.nextLine()).toBe('pong still-serving');
  });

  it('refuses a connection over --max-clients with one clear line, and serves again once one leaves', async () => {
    const path = socketPath();
    const { server } = await startServer('05', [
      '--socket',
      path,
      '--max-clients',
      '2',
    ]);
    const first = await connectLines(path);
    const second = await connectLines(path);
    await server.waitForLine(/\(2 clients\)/);

    const extra = await connectLines(path);
    expect(await extra.nextLine()).toBe(
      'error server full (2 clients): try again later',
    );
    expect(await extra.nextLine()).toBeUndefined(); // and then it hangs up

    const refused = await runScript('05', 'client.ts', [
      '--socket',
      path,
      '--clients',
      '1',
    ]);
    expect(refused.exitStatus.code).toBe(1);
    expect(refused.stderr).toMatch(/server full.*--max-clients/);

    await first.close();
    await server.waitForLine(/disconnected: end of stream \(1 client\)/);
    const third = await connectLines(path);
    third.send('ping room-again\n');
    expect(await third.nextLine()).toBe('pong room-again');
    second.send('ping\n');
    expect(await second.nextLine()).toBe('pong');
  });

  it('answers a line over 64 KiB with an error and closes only that connection', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    const bystander = await connectLines(path);
    const flooder = await connectLines(path);
    flooder.send(`${'x'.repeat(70_000)}\n`);
    expect(await flooder.nextLine()).toBe('error line longer than 65536 bytes');
    expect(await flooder.nextLine()).toBeUndefined();
    await server.waitForLine(/\(1 client\)/);
    bystander.send('ping unbothered\n');
    expect(await bystander.nextLine()).toBe('pong unbothered');
  });

  it('on SIGTERM closes every client, removes its socket file and exits 0', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    const connections = await Promise.all([
      connectLines(path),
      connectLines(path),
    ]);
    await server.waitForLine(/\(2 clients\)/);
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    for (const connection of connections)
      expect(await connection.nextLine()).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('a client whose pongs never come gives up after --timeout and says why', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    server.kill('SIGSTOP'); // connects still succeed (the kernel queues them); nothing answers
    try {
      const client = await runScript('05', 'client.ts', [
        '--socket',
        path,
        '--clients',
        '2',
        '--timeout',
        '300',
      ]);
      expect(client.exitStatus.code).toBe(1);
      expect(client.stdout).toContain('2 connected, 0 failed');
      expect(client.stderr).toContain('2 connections heard nothing for 300 ms');
    } finally {
      server.kill('SIGCONT');
    }
  });

  it('a client with no server to talk to says which server to start', async () => {
    const client = await runScript('05', 'client.ts', [
      '--socket',
      join(tempDir(), 'nobody.sock'),
    ]);
    expect(client.exitStatus.code).toBe(1);
    expect(client.stderr).toContain('npx tsx demos/05-poll/server.ts');
    expect(client.stderr.split('\n')).toHaveLength(1);
  });
});

describe('05-poll: the lesson, by hand', () => {
  it.skipIf(!hasCommand('python3'))(
    "talks to Python's poll(): several sockets, one thread, one wait",
    async () => {
      // (skipped without python3)
      const path = socketPath();
      await startServer('05', ['--socket', path]);
      const result = await runLessonCommand(
        'python3 demos/05-poll/poll-clients.py /tmp/ping-pong-05.sock',
        { path },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('poll() over 3 sockets');
      expect(result.stdout).toContain('6 of 6 pongs on the right connection');
    },
  );

  it.skipIf(!hasCommand('socat'))('talks to socat', async () => {
    // (skipped without socat)
    const path = socketPath();
    await startServer('05', ['--socket', path]);
    const result = await runLessonCommand(SOCAT_PING, { path });
    expect(result.stdout).toBe('pong hello\npong\n');
  });

  it('ss shows one socket per connected client', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    await Promise.all(Array.from({ length: 5 }, () => connectLines(path)));
    await server.waitForLine(/\(5 clients\)/);
    const result = await runLessonCommand(
      'ss -xH src /tmp/ping-pong-05.sock | wc -l',
      { path },
    );
    expect(result.stdout.trim()).toBe('5');
  });

  it.skipIf(verifying('05'))(
    'with the server frozen, the kernel queues backlog + 1 connects and refuses the rest with EAGAIN',
    async () => {
      // (skipped under verify: it needs the demo server's --backlog flag)
      const path = socketPath();
      const { server } = await startServer('05', [
        '--socket',
        path,
        '--backlog',
        '5',
        '--quiet',
      ]);
      const pid = server.child.pid;
      expect((await runLessonCommand(FREEZE, { path, pid })).code).toBe(0);
      const client = spawnScript('05', 'client.ts', [
        '--socket',
        path,
        '--clients',
        '20',
        '--count',
        '1',
        '--retries',
        '0',
      ]);
      // 'connect' fires for 6 of them although the frozen server has accepted none.
      await client.waitForLine('connections: 6 connected, 14 failed');
      const queue = await runLessonCommand(
        'ss -xl src /tmp/ping-pong-05.sock',
        { path, pid },
      );
      expect(queue.stdout).toMatch(/LISTEN\s+6\s+5\s/); // Recv-Q: queued now; Send-Q: the backlog
      expect((await runLessonCommand(THAW, { path, pid })).code).toBe(0);

      await client.waitForExit();
      expect(client.exitStatus?.code).toBe(1);
      expect(client.stdout).toContain('pongs: 6 of 20');
      expect(client.stderr).toMatch(
        /14 connections failed: .*accept queue.*full/,
      );
      await server.waitForLine('0 clients: 6 came and went');
    },
  );

  it('runs with SIGPIPE ignored, as every Node process does (and grep does not)', async () => {
    const path = socketPath();
    const { server } = await startServer('05', ['--socket', path]);
    const result = await runLessonCommand(SIGNALS_IGNORED, {
      path,
      pid: server.child.pid,
    });
    expect(ignores(result.stdout, SIGPIPE), result.stdout).toBe(true);
    const own = await runLessonCommand(OWN_SIGNALS_IGNORED, { path });
    expect(ignores(own.stdout, SIGPIPE), own.stdout).toBe(false);
  });

  it.skipIf(!hasCommand('socat'))(
    "the lesson's freeze, ping-and-leave, thaw commands produce an EPIPE",
    async () => {
      // (skipped without socat)
      const path = socketPath();
      const { server } = await startServer('05', ['--socket', path]);
      const pid = server.child.pid;
      expect((await runLessonCommand(FREEZE, { path, pid })).code).toBe(0);
      try {
        // The frozen server cannot accept, yet socat connects (the kernel queues it), sends and leaves.
        expect(
          (await runLessonCommand(SOCAT_TOO_LATE, { path, pid })).code,
        ).toBe(0);
      } finally {
        await runLessonCommand(THAW, { path, pid });
      }
      await server.waitForLine(/client 1 disconnected: EPIPE \(0 clients\)/);
    },
  );

  it.skipIf(!straceWorks() || verifying('05'))(
    'strace shows the event loop waiting in epoll for every client at once',
    async () => {
      // (skipped without a working strace, and under verify: the command runs the demo server)
      const path = socketPath();
      const command =
        'strace -f -e trace=epoll_wait,epoll_pwait,epoll_ctl node --import tsx demos/05-poll/server.ts';
      // Its own process group: teardown kills strace and the server with it.
      const traced = spawnShell(`${command} --socket ${path}`);
      await traced.waitForLine('listening on', { timeoutMs: 20_000 });
      const watchClient =
        /epoll_ctl\(\d+, EPOLL_CTL_ADD, \d+, \{events=EPOLLIN/; // watch the new client
      const waitForReady = /epoll_p?wait\(\d+, \[\{events=EPOLLIN/; // one wait, told who is ready
      const forgetClient = /EPOLL_CTL_DEL/; // stop watching it once it has gone
      const calls = [watchClient, waitForReady, forgetClient];
      const before = calls.map((call) => traced.matching(call).length); // what the server did before the client came
      const client = await connectLines(path);
      client.send('ping traced\n');
      expect(await client.nextLine()).toBe('pong traced');
      await client.close();
      // One more of each than before: added, waited on and removed for this client.
      for (const [index, call] of calls.entries()) {
        await traced.waitForLine(call, {
          count: (before[index] ?? 0) + 1,
          timeoutMs: 20_000,
        });
      }
    },
  );
});
