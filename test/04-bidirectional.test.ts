/**
 * Lesson 04 · request and response: what the ping/pong server and client promise,
 * written so a learner can read it as the protocol's specification. Few process
 * starts, several promises checked per start: the whole file runs in seconds.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
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
  type LineClient,
} from './harness/index.ts';

const LIMIT = 65_536;

/** Commands the lesson shows, run verbatim; `$sock` is set to the test's socket path. */
const SOCAT_THREE_PINGS = String.raw`printf 'ping\nping\nping\n' | socat - UNIX-CONNECT:"$sock"`;
const PYTHON_STREAM_MERGES = String.raw`python3 -c 'import socket; a, b = socket.socketpair(); [a.send(b"ping\n") for _ in range(3)]; print(b.recv(1024))'`;
const PYTHON_DGRAM_KEEPS = String.raw`python3 -c 'import socket; a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); [a.send(b"ping\n") for _ in range(3)]; print(b.recv(1024))'`;
const PYTHON_RECV_1024 = String.raw`python3 -c 'import socket; a, b = socket.socketpair(); a.sendall(b"ping " + b"x" * 3000 + b"\n"); print(len(b.recv(1024)))'`;
const PYTHON_LENGTH_PREFIX = String.raw`python3 -c 'import struct; print(struct.pack(">I", 5) + b"hello")'`;
const PYTHON_CLIENT = String.raw`python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"ping 1\nping 2\nping 3\n"); f = s.makefile(); print([f.readline().strip() for _ in range(3)])' "$sock"`;
const PYTHON_OVERSIZED = String.raw`python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"ping " + b"x" * 100000 + b"\n"); print(s.recv(100))' "$sock"`;
const READLINE_NO_LIMIT = `head -c 20000000 /dev/zero | node -e "require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => console.log('one line of', line.length, 'characters, kept whole until the end'))"`;
const NC_SESSION = 'nc -U "$sock"';
const STRACE_SERVER =
  'strace -f -yy -e trace=read,write -o /tmp/ping-pong-04.trace node --import tsx demos/04-bidirectional/server.ts --socket "$sock"';
const GREP_TRACE = 'grep "$sock" /tmp/ping-pong-04.trace';

/** Runs a lesson command verbatim from the repo root with `$sock` (and maybe the trace path) swapped in. */
function shell(command: string, sock = '', trace?: string): Promise<string> {
  const text = trace
    ? command.replaceAll('/tmp/ping-pong-04.trace', trace)
    : command;
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', text],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, sock },
        timeout: 15_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${text}: ${stderr}`)) : resolve(stdout),
    );
  });
}

async function startPingServer(): Promise<{
  path: string;
  server: DemoProcess;
}> {
  const path = join(tempDir(), '04.sock');
  const { server } = await startServer('04', ['--socket', path]);
  return { path, server };
}

/** Sends `ping <tag>` and expects `pong <tag>` back. */
async function expectPong(client: LineClient, tag: string): Promise<void> {
  client.send(`ping ${tag}\n`);
  expect(await client.nextLine()).toBe(`pong ${tag}`);
}

/** One write() per call: resolves once the bytes have left for the kernel. */
function writeOnce(client: LineClient, data: string | Buffer): Promise<void> {
  return new Promise((done) => client.socket.write(data, () => done()));
}

describe('04 · the ping/pong protocol', () => {
  it('answers pings, tags, pipelined, split and coalesced lines, \\r\\n, UTF-8, unknown commands and the 64 KiB edge; an over-long line closes only its connection; restart after kill -9; SIGTERM', async () => {
    const { path, server } = await startPingServer();
    const client = await connectLines(path);
    await expectPong(client, 'hello, world'); // ping <text> → pong <text>
    client.send('ping\n');
    expect(await client.nextLine()).toBe('pong');

    // N pipelined pings: N pongs, in order.
    for (let n = 1; n <= 200; n++) client.send(`ping ${n}\n`);
    for (let n = 1; n <= 200; n++)
      expect(await client.nextLine()).toBe(`pong ${n}`);

    // One byte per write(): exactly one pong, and nothing else came of the pieces.
    for (const byte of 'ping slow\n') await writeOnce(client, byte);
    expect(await client.nextLine()).toBe('pong slow');

    // Three pings in one write: three pongs.
    client.send('ping\nping\nping\n');
    for (let n = 0; n < 3; n++) expect(await client.nextLine()).toBe('pong');

    // Two pings cut in two at every possible place, each half its own write().
    const both = 'ping 1\nping 2\n';
    for (let cut = 1; cut < both.length; cut++) {
      await writeOnce(client, both.slice(0, cut));
      client.send(both.slice(cut));
      expect([await client.nextLine(), await client.nextLine()]).toEqual([
        'pong 1',
        'pong 2',
      ]);
    }

    // Empty lines get nothing; the \r that nc -C and telnet send is stripped.
    client.send('\n\r\nping crlf\r\n');
    expect(await client.nextLine()).toBe('pong crlf');

    // A UTF-8 character split across two writes stays whole.
    const bytes = Buffer.from('ping héllo ✓\n');
    const middle = bytes.indexOf(Buffer.from('✓')) + 1;
    await writeOnce(client, bytes.subarray(0, middle));
    client.socket.write(bytes.subarray(middle));
    expect(await client.nextLine()).toBe('pong héllo ✓');

    // Unknown commands: an error line with at most 40 characters quoted, and the connection stays.
    client.send('hello\n');
    expect(await client.nextLine()).toBe(
      'error unknown command "hello": try ping',
    );
    client.send(`${'x'.repeat(100)}\n`);
    expect(await client.nextLine()).toBe(
      `error unknown command "${'x'.repeat(40)}": try ping`,
    );
    client.send('\u001b[2Jevil\n'); // an escape sequence comes back escaped, never raw
    expect(await client.nextLine()).toBe(
      'error unknown command "\\u001b[2Jevil": try ping',
    );

    // A line of exactly 64 KiB is answered.
    const text = 'y'.repeat(LIMIT - 'ping '.length);
    client.send(`ping ${text}\n`);
    expect(await client.nextLine()).toBe(`pong ${text}`);

    // An over-long line: the lines before it are answered, then the error, then goodbye.
    const bystander = await connectLines(path);
    const offender = await connectLines(path);
    await expectPong(bystander, 'before');
    offender.send(`ping first\n${'x'.repeat(LIMIT + 1)}`);
    expect(await offender.nextLine()).toBe('pong first');
    expect(await offender.nextLine()).toBe(
      `error line longer than ${LIMIT} bytes`,
    );
    expect(await offender.nextLine()).toBeUndefined(); // closed, without a newline ever arriving
    await expectPong(bystander, 'after');
    await server.waitForLine(
      new RegExp(
        String.raw`^client \d+: line longer than ${LIMIT} bytes, closing its connection$`,
      ),
    );
    // The same from Python, as the lesson shows it.
    if (hasCommand('python3'))
      expect(await shell(PYTHON_OVERSIZED, path)).toBe(
        `b'error line longer than ${LIMIT} bytes\\n'\n`,
      );
    const newcomer = await connectLines(path);
    await expectPong(newcomer, 'newcomer');
    // kill -9 leaves the socket file; a new server clears it and listens.
    server.kill('SIGKILL');
    await server.waitForExit();
    expect(existsSync(path)).toBe(true);
    const { server: again } = await startServer('04', ['--socket', path]);
    const returning = await connectLines(path);
    await expectPong(returning, 'after kill -9');
    // SIGTERM: clients closed, socket file removed, exit 0.
    again.kill('SIGTERM');
    expect((await again.waitForExit()).code).toBe(0);
    expect(await returning.nextLine()).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });
});

describe('04 · the clients', () => {
  it('backpressure on a client that never reads; client.ts and awkward.ts get their answers; socat, nc and Python speak to the server; a client whose server goes away says so', async () => {
    const { path, server } = await startPingServer();
    // Python sends pings without ever reading. With backpressure the server stops reading
    // them, the kernel buffers fill, and Python's send() stays blocked: it is told to wait.
    const program = `
import select, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setblocking(False)
batch = b"ping flood\\n" * 1000
sent = 0
while sent < 50_000_000:
    try:
        sent += s.send(batch)
    except BlockingIOError:
        if not select.select([], [s], [], 1.0)[1]:
            break  # not writable for a whole second: the server has stopped reading us
print(sent)
`;
    const flood = runPython(program, [path], 60_000);
    const bystander = await connectLines(path);
    await expectPong(bystander, 'during the flood');
    const sent = Number((await flood).trim());
    expect(sent).toBeGreaterThan(0);
    expect(
      sent,
      'bytes of pings accepted before the server pushed back',
    ).toBeLessThan(20_000_000);
    await expectPong(bystander, 'after the flood');

    const [client, awkward] = await Promise.all([
      runScript('04', 'client.ts', ['--socket', path, '--count', '5']),
      runScript('04', 'awkward.ts', ['--socket', path]),
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
    expect(
      client
        .matching(/^pong \d+ in \d+\.\d\d ms$/)
        .map((l) => l.split(' in ')[0]),
    ).toEqual(['pong 1', 'pong 2', 'pong 3', 'pong 4', 'pong 5']);
    expect(client.stdout).toMatch(
      /^5 pings, 5 pongs: min \d+\.\d\d ms, average \d+\.\d\d ms, max \d+\.\d\d ms$/m,
    );

    expect(awkward.exitStatus.code, awkward.output).toBe(0);
    expect(awkward.matching(/^  ← /)).toEqual([
      '  ← pong 1',
      '  ← pong 2',
      '  ← pong 3',
      '  ← pong 4',
      '  ← error unknown command "hello": try ping',
      `  ← error line longer than ${LIMIT} bytes`,
      '  ← (the server closed this connection)',
      '  ← pong 5',
    ]);

    if (hasCommand('socat'))
      expect(await shell(SOCAT_THREE_PINGS, path)).toBe('pong\npong\npong\n');
    if (hasCommand('python3'))
      expect(await shell(PYTHON_CLIENT, path)).toBe(
        "['pong 1', 'pong 2', 'pong 3']\n",
      );
    if (hasCommand('nc')) {
      // Typed into nc as a learner would; the teardown hangs up (kills it).
      const nc = spawnShell(NC_SESSION, {
        env: { ...process.env, sock: path },
      });
      nc.child.stdin?.write('ping\nhello\nping 42\n');
      await nc.waitForLine('pong 42');
      expect(nc.stdout).toBe(
        'pong\nerror unknown command "hello": try ping\npong 42',
      );
    }
    expect(server.exitStatus, 'the server is still running').toBeUndefined();

    // The server goes away mid-conversation: the client says so and exits 1.
    const endless = spawnScript('04', 'client.ts', [
      '--socket',
      path,
      '--count',
      '1000000',
    ]);
    await endless.waitForLine(/^pong 3 in/);
    server.kill('SIGTERM');
    expect((await endless.waitForExit()).code).toBe(1);
    expect(endless.stderr).toMatch(
      /the server closed the connection before answering ping \d+/,
    );
  });

  it('with no server, or a symlink at the path, the client says what is wrong in one line and exits 1', async () => {
    const dir = tempDir();
    const nobody = join(dir, 'nobody.sock');
    const planted = join(dir, 'planted.sock');
    symlinkSync(join(dir, 'elsewhere.sock'), planted);
    const [missing, symlinked] = await Promise.all([
      runScript('04', 'client.ts', ['--socket', nobody]),
      runScript('04', 'client.ts', ['--socket', planted]),
    ]);
    expect(missing.exitStatus.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^no socket file at .*nobody\.sock: is the server running\? Start it with: npx tsx demos\/04-bidirectional\/server\.ts$/,
    );
    expect(symlinked.exitStatus.code).toBe(1);
    expect(symlinked.stderr).toMatch(/planted\.sock is a symlink: refusing/);
  });
});

// The bare program is the lesson's own code, not a server verify swaps in.
describe.skipIf(verifying('04'))('04 · the bare program', () => {
  it('answers whole lines, keeps half a line for later, and removes its folder on Ctrl-C', async () => {
    const bare = spawnScript('04', 'bare.ts', []);
    const path = (await bare.waitForLine(/^listening on /)).replace(
      'listening on ',
      '',
    );
    const client = await connectLines(path);
    await writeOnce(client, 'ping\nhello\npi');
    expect(await client.nextLine()).toBe('pong');
    expect(await client.nextLine()).toBe('error unknown command');
    client.send('ng\n');
    expect(await client.nextLine()).toBe('pong');
    bare.kill('SIGINT');
    expect((await bare.waitForExit()).code).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});

describe('04 · the commands the lesson shows', () => {
  it.skipIf(!hasCommand('python3'))(
    'python3: a stream merges writes and splits messages; a datagram keeps each; a length prefix is four bytes',
    async () => {
      const [merges, keeps, recv1024, prefix] = await Promise.all([
        shell(PYTHON_STREAM_MERGES),
        shell(PYTHON_DGRAM_KEEPS),
        shell(PYTHON_RECV_1024),
        shell(PYTHON_LENGTH_PREFIX),
      ]);
      expect(merges).toBe("b'ping\\nping\\nping\\n'\n");
      expect(keeps).toBe("b'ping\\n'\n");
      expect(recv1024).toBe('1024\n');
      expect(prefix).toBe("b'\\x00\\x00\\x00\\x05hello'\n");
    },
  );

  it('node:readline keeps a line that has no end, whole, however long it grows', async () => {
    expect(await shell(READLINE_NO_LIMIT)).toBe(
      'one line of 20000000 characters, kept whole until the end\n',
    );
  });
  // strace is optional, and some containers forbid ptrace; the test then says so and skips.
  // It runs the lesson's own server under strace, so it has nothing to say about yours under `npm run verify`.
  it.skipIf(
    verifying('04') ||
      !hasCommand('strace') ||
      !hasCommand('socat') ||
      !hasCommand('python3'),
  )(
    'strace: one read() holds three pings, and a 100 kB line takes several reads of at most 64 KiB',
    async (context) => {
      const dir = tempDir();
      const path = join(dir, '04.sock');
      const trace = join(dir, '04.trace');
      const command = STRACE_SERVER.replaceAll(
        '/tmp/ping-pong-04.trace',
        trace,
      );
      // Its own process group, so kill() stops the whole group (sh, strace, node) at once.
      const traced = spawnShell(command, {
        env: { ...process.env, sock: path },
      });
      try {
        await traced.waitForLine('listening on', { timeoutMs: 20_000 });
      } catch (error) {
        // Skipped, not failed, only where the machine forbids ptrace (some containers): strace cannot run there at all.
        if (
          traced.exitStatus &&
          /Operation not permitted|ptrace/i.test(traced.output)
        )
          context.skip(`strace is not allowed here: ${traced.output.trim()}`);
        throw error;
      }
      expect(await shell(SOCAT_THREE_PINGS, path)).toBe('pong\npong\npong\n');
      await shell(PYTHON_OVERSIZED, path);
      traced.kill('SIGTERM'); // strace writes out the rest of its trace as it exits
      await traced.waitForExit();
      expect(existsSync(trace)).toBe(true);
      // -yy names each descriptor, so grepping for the socket path keeps only its reads and writes.
      const socketCalls = await shell(GREP_TRACE, path, trace);
      const onSocket = String.raw`\(\d+<UNIX-STREAM:\[[^\]]*\]>, `;
      expect(socketCalls).toMatch(
        new RegExp(String.raw`read${onSocket}"(ping\\n){3}", 65536\) += 15`),
      );
      expect(socketCalls).toMatch(
        new RegExp(String.raw`write${onSocket}"pong\\n", 5\) += 5`),
      );
      // The 100006-byte line: never more than 64 KiB per read(), so at least two reads.
      const longLineReads = [
        ...socketCalls.matchAll(
          new RegExp(
            String.raw`read${onSocket}"(ping )?x+"\.\.\., 65536\) += (\d+)`,
            'g',
          ),
        ),
      ];
      expect(longLineReads.length).toBeGreaterThanOrEqual(2);
      for (const read of longLineReads)
        expect(Number(read[2])).toBeLessThanOrEqual(65_536);
    },
  );
});
