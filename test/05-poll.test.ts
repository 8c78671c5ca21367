/**
 * Lesson 05 · the N+1 problem: one server, one thread, many clients at once.
 * Few server starts, several promises checked per start. The lesson's shell
 * commands run verbatim, with `$sock` and `$pid` set to this test's server.
 */
import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  REPO_ROOT,
  runPython,
  runScript,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
  verifying,
  type DemoProcess,
  type ShellResult,
} from './harness/index.ts';

/** The lesson's shell commands, verbatim. */
const COUNT_CONNECTIONS = 'ss -xH src "$sock" | wc -l';
const FREEZE = 'kill -STOP "$pid"';
const THAW = 'kill -CONT "$pid"';
const SOCAT_TOO_LATE = String.raw`printf 'ping too-late\n' | socat -t 0 - UNIX-CONNECT:"$sock"`;
const SIGNALS_IGNORED = 'grep SigIgn /proc/"$pid"/status';
const OWN_SIGNALS_IGNORED = 'grep SigIgn /proc/self/status';
const ACCEPT_QUEUE = 'ss -xl src "$sock"';
const SOCAT_PING = String.raw`printf 'ping hello\nping\n' | socat - UNIX-CONNECT:"$sock"`;
const POLL_CLIENTS = 'python3 demos/05-poll/poll-clients.py';
const STRACE_SERVER =
  'strace -f -e trace=epoll_wait,epoll_pwait,epoll_ctl node --import tsx demos/05-poll/server.ts';

/** Whether signal `signal` is set in a `SigIgn:` line of /proc/PID/status (bit n-1 is signal n). */
function ignores(statusLine: string, signal: number): boolean {
  const mask = BigInt(
    `0x${/SigIgn:\s*([0-9a-f]+)/.exec(statusLine)?.[1] ?? '0'}`,
  );
  return ((mask >> BigInt(signal - 1)) & 1n) === 1n;
}
const SIGPIPE = 13;

/** A private runtime folder of the test's own, as $XDG_RUNTIME_DIR: the server's default path lands in it. */
function runtimeEnv(): { env: NodeJS.ProcessEnv; sock: string } {
  const runtime = tempDir();
  chmodSync(runtime, 0o700);
  return {
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    sock: join(runtime, 'ping-pong', '05.sock'),
  };
}

/** Runs a lesson command from the repo root with `$sock` and `$pid` set; resolves whatever its exit code. */
function shell(
  command: string,
  vars: { env?: NodeJS.ProcessEnv; sock: string; pid?: number },
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', command],
      {
        cwd: REPO_ROOT,
        env: {
          ...(vars.env ?? process.env),
          sock: vars.sock,
          pid: String(vars.pid ?? ''),
        },
        timeout: 15_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number')
          return reject(new Error(`${command}: ${error.message}`));
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Whether strace can trace here (containers often forbid ptrace). */
function straceWorks(): boolean {
  return (
    hasCommand('strace') &&
    spawnSync('strace', ['-o', '/dev/null', 'true']).status === 0
  );
}

async function startAt(
  args: string[] = [],
): Promise<{ server: DemoProcess; sock: string; env: NodeJS.ProcessEnv }> {
  const { env, sock } = runtimeEnv();
  const { server } = await startServer('05', args, { env });
  return { server, sock, env };
}

describe('05-poll: many clients, one thread', () => {
  it('on its default path: a hundred clients at once, interleaved bytes, ss, socat, Python poll(), SIGPIPE ignored, an over-long line, and a clean SIGTERM', async () => {
    const { server, sock, env } = await startAt();
    expect(server.matching(/listening on /)[0]).toContain(sock);
    const pid = server.child.pid ?? 0;
    expect(server.matching(/listening on/)[0]).toContain(`(pid ${pid})`);

    // The client tags every ping with its connection and turn (ping c17-4) and counts
    // a pong carrying another connection's tag as a mix-up.
    const client = await runScript(
      '05',
      'client.ts',
      ['--clients', '100', '--count', '20'],
      { env },
    );
    expect(client.exitStatus.code, client.output).toBe(0);
    expect(client.stdout).toContain('100 connected, 0 failed');
    expect(client.stdout).toContain(
      'pongs: 2000 of 2000, all on the right connection',
    );
    await server.waitForLine(/disconnected: .*\(0 clients\)/);
    expect(server.matching(/^client \d+ connected/)).toHaveLength(100);

    // Ten connections, each sending its pings a different way: every pong on its own.
    const connections = await Promise.all(
      Array.from({ length: 10 }, () => connectLines(sock)),
    );
    for (let turn = 1; turn <= 3; turn++) {
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
    expect((await shell(COUNT_CONNECTIONS, { sock })).stdout.trim()).toBe('10');

    if (hasCommand('socat'))
      expect((await shell(SOCAT_PING, { sock })).stdout).toBe(
        'pong hello\npong\n',
      );
    if (hasCommand('python3')) {
      const poll = await shell(POLL_CLIENTS, { env, sock });
      expect(poll.code, poll.stdout + poll.stderr).toBe(0);
      expect(poll.stdout).toContain('poll() over 3 sockets');
      expect(poll.stdout).toContain('6 of 6 pongs on the right connection');
    }

    const ignored = await shell(SIGNALS_IGNORED, { sock, pid });
    expect(ignores(ignored.stdout, SIGPIPE), ignored.stdout).toBe(true);
    const own = await shell(OWN_SIGNALS_IGNORED, { sock });
    expect(ignores(own.stdout, SIGPIPE), own.stdout).toBe(false);

    // A line over 64 KiB: an error, and only that connection closes.
    const flooder = await connectLines(sock);
    flooder.send(`${'x'.repeat(70_000)}\n`);
    expect(await flooder.nextLine()).toBe('error line longer than 65536 bytes');
    expect(await flooder.nextLine()).toBeUndefined();
    connections[0]?.send('ping unbothered\n');
    expect(await connections[0]?.nextLine()).toBe('pong unbothered');

    // SIGTERM with ten clients connected: all closed, the file gone, exit 0.
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    for (const connection of connections)
      expect(await connection.nextLine()).toBeUndefined();
    expect(existsSync(sock)).toBe(false);
  });

  it('clients that vanish (SIGKILL mid-conversation, pongs unread, gone before the pong) are removed while the others carry on; a silent server times the client out', async () => {
    const { server, sock } = await startAt();
    const pid = server.child.pid ?? 0;
    const doomed = spawnScript('05', 'client.ts', [
      '--socket',
      sock,
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
      sock,
      '--clients',
      '5',
      '--count',
      '20',
      '--interval',
      '10',
    ]);
    await server.waitForLine(/\(6 clients\)/);
    doomed.kill('SIGKILL');
    // The kernel closes a dead process's sockets: end of stream, or ECONNRESET with a pong unread.
    await server.waitForLine(
      /client 1 disconnected: (end of stream|ECONNRESET)/,
    );
    expect((await others.waitForExit(20_000)).code, others.output).toBe(0);
    expect(others.stdout).toContain(
      'pongs: 100 of 100, all on the right connection',
    );

    if (hasCommand('python3')) {
      const program = [
        'import socket, sys',
        'client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
        'client.connect(sys.argv[1])',
        'client.sendall(b"ping unread\\n")',
        'client.recv(1, socket.MSG_PEEK)  # wait until the pong has arrived, but leave it unread',
        'client.close()',
        'print("closed with a pong unread")',
      ].join('\n');
      expect(await runPython(program, [sock])).toContain(
        'closed with a pong unread',
      );
      await server.waitForLine(/disconnected: ECONNRESET \(0 clients\)/);
    }

    // Frozen: connects still succeed (the kernel queues them), nothing answers.
    expect((await shell(FREEZE, { sock, pid })).code).toBe(0);
    try {
      const silent = await runScript('05', 'client.ts', [
        '--socket',
        sock,
        '--clients',
        '2',
        '--timeout',
        '300',
      ]);
      expect(silent.exitStatus.code).toBe(1);
      expect(silent.stdout).toContain('2 connected, 0 failed');
      expect(silent.stderr).toContain('2 connections heard nothing for 300 ms');
      // The lesson's ping-and-leave: on waking, the server writes a pong to a closed socket.
      if (hasCommand('socat'))
        expect((await shell(SOCAT_TOO_LATE, { sock, pid })).code).toBe(0);
    } finally {
      await shell(THAW, { sock, pid });
    }
    await server.waitForLine(/disconnected: EPIPE/);
    const next = await connectLines(sock);
    next.send('ping still-serving\n');
    expect(await next.nextLine()).toBe('pong still-serving');
  });

  it('--max-clients 2: two held clients fill it, a third is refused in one clear line, and there is room again once they leave', async () => {
    const { server, sock } = await startAt(['--max-clients', '2']);
    const holder = spawnScript('05', 'client.ts', [
      '--socket',
      sock,
      '--clients',
      '2',
      '--hold',
    ]);
    await holder.waitForLine(/^holding 2 connections open/);
    const refused = await runScript('05', 'client.ts', [
      '--socket',
      sock,
      '--clients',
      '1',
    ]);
    expect(refused.exitStatus.code).toBe(1);
    expect(refused.stdout).toContain('1 connected, 0 failed');
    expect(refused.stderr).toBe(
      'the server refused a connection: error server full (2 clients): try again later (wait for clients to leave, or restart it with a higher --max-clients)',
    );
    const extra = await connectLines(sock);
    expect(await extra.nextLine()).toBe(
      'error server full (2 clients): try again later',
    );
    expect(await extra.nextLine()).toBeUndefined(); // and then it hangs up
    await server.waitForLine('refused a connection: server full (2 clients)');

    holder.child.stdin?.end(); // as pressing Enter would
    expect((await holder.waitForExit()).code, holder.output).toBe(0);
    expect(holder.stdout).toContain('stdin closed: leaving');
    await server.waitForLine(/disconnected: end of stream \(0 clients\)/);
    const welcome = await connectLines(sock); // room again
    welcome.send('ping welcome\n');
    expect(await welcome.nextLine()).toBe('pong welcome');
  });

  it('a client with no server, or a symlink at the path, says what is wrong in one line; so does the Python helper', async () => {
    const dir = tempDir();
    const planted = join(dir, 'planted.sock');
    symlinkSync(join(dir, 'elsewhere.sock'), planted);
    const [missing, symlinked] = await Promise.all([
      runScript('05', 'client.ts', ['--socket', join(dir, 'nobody.sock')]),
      runScript('05', 'client.ts', ['--socket', planted]),
    ]);
    expect(missing.exitStatus.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^3 connections failed: no socket file at .*nobody\.sock: is the server running\? Start it with: npx tsx demos\/05-poll\/server\.ts$/,
    );
    expect(symlinked.exitStatus.code).toBe(1);
    expect(symlinked.stderr).toMatch(/planted\.sock is a symlink: refusing/);
    if (hasCommand('python3')) {
      const help = await shell(`${POLL_CLIENTS} --help`, { sock: '' });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--socket PATH');
      const absent = await shell(
        `${POLL_CLIENTS} --socket ${join(dir, 'nobody.sock')}`,
        { sock: '' },
      );
      expect(absent.code).toBe(1);
      expect(absent.stderr).toMatch(/^cannot connect to .*nobody\.sock: .*\n$/);
      expect(absent.stderr).not.toContain('Traceback');
    }
  });
});

// The lesson's own programs, not a server that verify swaps in.
describe.skipIf(verifying('05'))('05-poll: the lesson, by hand', () => {
  it('the bare program serves three clients at once and counts them in and out', async () => {
    const bare = spawnScript('05', 'bare.ts', []);
    const sock = (await bare.waitForLine(/^listening on /)).replace(
      'listening on ',
      '',
    );
    const client = await runScript('05', 'client.ts', [
      '--socket',
      sock,
      '--clients',
      '3',
      '--count',
      '2',
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
    expect(client.stdout).toContain(
      'pongs: 6 of 6, all on the right connection',
    );
    await bare.waitForLine('client left (0 connected)');
    expect(bare.matching(/^client connected/)).toHaveLength(3);
    bare.kill('SIGINT');
    expect((await bare.waitForExit()).code).toBe(0);
    expect(existsSync(sock)).toBe(false);
  });

  it('with the server frozen, the kernel queues backlog + 1 connects and refuses the rest with EAGAIN', async () => {
    const { server, sock } = await startAt(['--backlog', '5', '--quiet']);
    const pid = server.child.pid ?? 0;
    expect((await shell(FREEZE, { sock, pid })).code).toBe(0);
    const client = spawnScript('05', 'client.ts', [
      '--socket',
      sock,
      '--clients',
      '20',
      '--count',
      '1',
      '--retries',
      '0',
    ]);
    // 'connect' fires for 6 of them although the frozen server has accepted none.
    await client.waitForLine('connections: 6 connected, 14 failed');
    const queue = await shell(ACCEPT_QUEUE, { sock, pid });
    expect(queue.stdout).toMatch(/LISTEN\s+6\s+5\s/); // Recv-Q: queued now; Send-Q: the backlog
    expect((await shell(THAW, { sock, pid })).code).toBe(0);
    await client.waitForExit();
    expect(client.exitStatus?.code).toBe(1);
    expect(client.stdout).toContain('pongs: 6 of 20');
    expect(client.stderr).toMatch(
      /14 connections failed: .*accept queue.*full/,
    );
    await server.waitForLine('0 clients: 6 came and went');
  });

  it.skipIf(!straceWorks())(
    'strace shows the event loop waiting in epoll for every client at once',
    async () => {
      const { env, sock } = runtimeEnv();
      // Its own process group: teardown kills strace and the server with it.
      const traced = spawnShell(STRACE_SERVER, { env });
      await traced.waitForLine('listening on', { timeoutMs: 20_000 });
      const watchClient =
        /epoll_ctl\(\d+, EPOLL_CTL_ADD, \d+, \{events=EPOLLIN/; // watch the new client
      const waitForReady = /epoll_p?wait\(\d+, \[\{events=EPOLLIN/; // one wait, told who is ready
      const forgetClient = /EPOLL_CTL_DEL/; // stop watching it once it has gone
      const calls = [watchClient, waitForReady, forgetClient];
      const before = calls.map((call) => traced.matching(call).length);
      const client = await connectLines(sock);
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
