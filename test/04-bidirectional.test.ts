/**
 * Lesson 04 · request and response: what the ping/pong server and client promise,
 * written so a learner can read it as the protocol's specification.
 * `npm run verify -- 04 my-server.ts` runs these end-to-end tests against your own server.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  runPython,
  runScript,
  runShell,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
  verifying,
  type DemoProcess,
  type LineClient,
} from './harness/index.ts';

/** The path the lesson's commands show; tests swap it for a fresh temp path. */
const DEFAULT_SOCKET = '/tmp/ping-pong-04.sock';
const LIMIT = 65_536;

/** Commands the lesson shows, run verbatim (with the socket path swapped). */
const SOCAT_THREE_PINGS = String.raw`printf 'ping\nping\nping\n' | socat - UNIX-CONNECT:/tmp/ping-pong-04.sock`;
const PYTHON_STREAM_MERGES = String.raw`python3 -c 'import socket; a, b = socket.socketpair(); [a.send(b"ping\n") for _ in range(3)]; print(b.recv(1024))'`;
const PYTHON_DGRAM_KEEPS = String.raw`python3 -c 'import socket; a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); [a.send(b"ping\n") for _ in range(3)]; print(b.recv(1024))'`;
const PYTHON_RECV_1024 = String.raw`python3 -c 'import socket; a, b = socket.socketpair(); a.sendall(b"ping " + b"x" * 3000 + b"\n"); print(len(b.recv(1024)))'`;
const PYTHON_LENGTH_PREFIX = String.raw`python3 -c 'import struct; print(struct.pack(">I", 5) + b"hello")'`;
const PYTHON_CLIENT = String.raw`python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect("/tmp/ping-pong-04.sock"); s.sendall(b"ping 1\nping 2\nping 3\n"); f = s.makefile(); print([f.readline().strip() for _ in range(3)])'`;
const PYTHON_OVERSIZED = String.raw`python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect("/tmp/ping-pong-04.sock"); s.sendall(b"ping " + b"x" * 100000 + b"\n"); print(s.recv(100))'`;
const READLINE_NO_LIMIT = `head -c 20000000 /dev/zero | node -e "require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => console.log('one line of', line.length, 'characters, kept whole until the end'))"`;
const NC_SESSION = 'nc -U /tmp/ping-pong-04.sock';
const STRACE_SERVER =
  'strace -f -yy -e trace=read,write -o /tmp/ping-pong-04.trace node --import tsx demos/04-bidirectional/server.ts --socket /tmp/ping-pong-04.sock';
const GREP_TRACE = 'grep /tmp/ping-pong-04.sock /tmp/ping-pong-04.trace';

function socketPath(): string {
  return join(tempDir(), '04.sock');
}

async function startPingServer(): Promise<{
  path: string;
  server: DemoProcess;
}> {
  const path = socketPath();
  const { server } = await startServer('04', ['--socket', path]);
  return { path, server };
}

/** What a lesson command prints, with the default socket path swapped for `path`; rejects (with its stderr) unless it exits 0. */
function shellOutput(command: string, path = DEFAULT_SOCKET): Promise<string> {
  return runShell(command.replaceAll(DEFAULT_SOCKET, path));
}

/** Sends `ping <tag>` and expects `pong <tag>` back. */
async function expectPong(client: LineClient, tag: string): Promise<void> {
  client.send(`ping ${tag}\n`);
  expect(await client.nextLine()).toBe(`pong ${tag}`);
}

describe('04 · the ping/pong protocol', () => {
  it('answers ping with pong, and echoes whatever follows "ping "', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    client.send('ping\n');
    expect(await client.nextLine()).toBe('pong');
    client.send('ping hello, world\n');
    expect(await client.nextLine()).toBe('pong hello, world');
  });

  it('answers N pings with N pongs, in the order they were sent', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    for (let n = 1; n <= 200; n++) client.send(`ping ${n}\n`);
    for (let n = 1; n <= 200; n++)
      expect(await client.nextLine()).toBe(`pong ${n}`);
  });

  it('gives a ping written one byte at a time exactly one pong', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    for (const byte of 'ping slow\n') {
      // Wait until each byte has gone through its own write() before sending the next.
      await new Promise<void>((done) =>
        client.socket.write(byte, () => done()),
      );
    }
    expect(await client.nextLine()).toBe('pong slow');
    // Nothing else came of the pieces: the next line answers the next ping.
    await expectPong(client, 'after');
  });

  it('gives three pings in one write three pongs', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    client.send('ping\nping\nping\n');
    expect([
      await client.nextLine(),
      await client.nextLine(),
      await client.nextLine(),
    ]).toEqual(['pong', 'pong', 'pong']);
    await expectPong(client, 'after');
  });

  it('puts together a ping whose bytes arrive split across writes at any point', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    // "ping 1\nping 2\n" cut in two at every possible place, each half its own write().
    const both = 'ping 1\nping 2\n';
    for (let cut = 1; cut < both.length; cut++) {
      await new Promise<void>((done) =>
        client.socket.write(both.slice(0, cut), () => done()),
      );
      client.send(both.slice(cut));
      expect([await client.nextLine(), await client.nextLine()]).toEqual([
        'pong 1',
        'pong 2',
      ]);
    }
  });

  it('ignores empty lines and strips the \\r that nc -C and telnet send', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    client.send('\n\r\nping crlf\r\n');
    expect(await client.nextLine()).toBe('pong crlf');
  });

  it('keeps multi-byte UTF-8 characters whole when they are split across writes', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    const bytes = Buffer.from('ping héllo ✓\n');
    const middleOfCheckMark = bytes.indexOf(Buffer.from('✓')) + 1;
    await new Promise<void>((done) =>
      client.socket.write(bytes.subarray(0, middleOfCheckMark), () => done()),
    );
    client.socket.write(bytes.subarray(middleOfCheckMark));
    expect(await client.nextLine()).toBe('pong héllo ✓');
  });

  it('answers an unknown command with an error line, and the connection stays usable', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    client.send('hello\n');
    expect(await client.nextLine()).toBe(
      'error unknown command "hello": try ping',
    );
    client.send(`${'x'.repeat(100)}\n`);
    expect(await client.nextLine()).toBe(
      `error unknown command "${'x'.repeat(40)}": try ping`,
    );
    await expectPong(client, 'still here');
  });

  it('answers a line of exactly 64 KiB', async () => {
    const { path } = await startPingServer();
    const client = await connectLines(path);
    const text = 'y'.repeat(LIMIT - 'ping '.length);
    client.send(`ping ${text}\n`);
    expect(await client.nextLine()).toBe(`pong ${text}`);
  });

  it('closes only the connection that sends a line over 64 KiB; everyone else keeps getting pongs', async () => {
    const { path } = await startPingServer();
    const bystander = await connectLines(path);
    const offender = await connectLines(path);
    await expectPong(bystander, 'before');
    // The offender's pings before the long line are still answered; then the error, then goodbye.
    offender.send(`ping first\n${'x'.repeat(LIMIT + 1)}`);
    expect(await offender.nextLine()).toBe('pong first');
    expect(await offender.nextLine()).toBe(
      `error line longer than ${LIMIT} bytes`,
    );
    expect(await offender.nextLine()).toBeUndefined(); // closed by the server, without a newline ever arriving
    await expectPong(bystander, 'after');
    const newcomer = await connectLines(path);
    await expectPong(newcomer, 'newcomer');
  });

  it('stops reading from a client that sends pings but never reads its pongs, and serves the others', async () => {
    const { path } = await startPingServer();
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
  });
});

describe('04 · the client', () => {
  it('sends --count pings one at a time, prints each pong with its round-trip time, and exits 0', async () => {
    const { path } = await startPingServer();
    const client = await runScript('04', 'client.ts', [
      '--socket',
      path,
      '--count',
      '5',
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
    const pongs = client.matching(/^pong \d+ in \d+\.\d\d ms$/);
    expect(pongs.map((line) => line.split(' in ')[0])).toEqual([
      'pong 1',
      'pong 2',
      'pong 3',
      'pong 4',
      'pong 5',
    ]);
    expect(client.stdout).toMatch(
      /^5 pings, 5 pongs: min \d+\.\d\d ms, average \d+\.\d\d ms, max \d+\.\d\d ms$/m,
    );
  });

  it('sends three pings when no --count is given', async () => {
    const { path } = await startPingServer();
    const client = await runScript('04', 'client.ts', ['--socket', path]);
    expect(client.exitStatus.code, client.output).toBe(0);
    expect(client.matching(/^pong \d+ in /)).toHaveLength(3);
  });

  it('says which server to start when nobody is listening, in one line, and exits 1', async () => {
    const client = await runScript('04', 'client.ts', [
      '--socket',
      join(tempDir(), 'nobody.sock'),
    ]);
    expect(client.exitStatus.code).toBe(1);
    expect(client.stderr).toMatch(
      /^no socket file at .*nobody\.sock: is the server running\? Start it with: npx tsx demos\/04-bidirectional\/server\.ts$/,
    );
  });

  it('says so and exits non-zero when the server goes away before answering', async () => {
    const { path, server } = await startPingServer();
    const client = spawnScript('04', 'client.ts', [
      '--socket',
      path,
      '--count',
      '1000000',
    ]);
    await client.waitForLine(/^pong 3 in/);
    server.kill('SIGTERM');
    const status = await client.waitForExit();
    expect(status.code).toBe(1);
    expect(client.stderr).toMatch(
      /the server closed the connection before answering ping \d+/,
    );
  });
});

describe('04 · the awkward client', () => {
  it('gets the right replies to coalesced, byte-by-byte, unknown and endless requests', async () => {
    const { path, server } = await startPingServer();
    const awkward = await runScript('04', 'awkward.ts', ['--socket', path]);
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
    expect(server.exitStatus, 'the server is still running').toBeUndefined();
  });
});

describe('04 · the commands the lesson shows', () => {
  // socat is optional on a learner's machine; CI installs it.
  it.skipIf(!hasCommand('socat'))(
    'socat: three pings in one write get three pongs',
    async () => {
      const { path } = await startPingServer();
      const output = await shellOutput(SOCAT_THREE_PINGS, path);
      expect(output).toBe('pong\npong\npong\n');
    },
  );

  // nc (openbsd) is optional; the test types into it as a learner would, then hangs up.
  it.skipIf(!hasCommand('nc'))(
    'nc -U: a typed session gets pongs and errors line by line',
    async () => {
      const { path } = await startPingServer();
      const nc = spawnShell(NC_SESSION.replaceAll(DEFAULT_SOCKET, path)); // teardown hangs up (kills it)
      nc.child.stdin?.write('ping\nhello\nping 42\n');
      await nc.waitForLine('pong 42');
      expect(nc.stdout).toBe(
        'pong\nerror unknown command "hello": try ping\npong 42',
      );
    },
  );

  it.skipIf(!hasCommand('python3'))(
    'python3: a stream socket merges three writes into one read',
    async () => {
      expect(await shellOutput(PYTHON_STREAM_MERGES)).toBe(
        "b'ping\\nping\\nping\\n'\n",
      );
    },
  );

  it.skipIf(!hasCommand('python3'))(
    'python3: a datagram socket keeps each write a separate message',
    async () => {
      expect(await shellOutput(PYTHON_DGRAM_KEEPS)).toBe("b'ping\\n'\n");
    },
  );

  it.skipIf(!hasCommand('python3'))(
    'python3: recv(1024) returns 1024 bytes of a 3006-byte message',
    async () => {
      expect(await shellOutput(PYTHON_RECV_1024)).toBe('1024\n');
    },
  );

  it.skipIf(!hasCommand('python3'))(
    'python3: a length prefix is four bytes, big-endian',
    async () => {
      expect(await shellOutput(PYTHON_LENGTH_PREFIX)).toBe(
        "b'\\x00\\x00\\x00\\x05hello'\n",
      );
    },
  );

  it('node:readline keeps a line that has no end, whole, however long it grows', async () => {
    expect(await shellOutput(READLINE_NO_LIMIT)).toBe(
      'one line of 20000000 characters, kept whole until the end\n',
    );
  });

  it.skipIf(!hasCommand('python3'))(
    'python3: three coalesced pings read back as three lines',
    async () => {
      const { path } = await startPingServer();
      expect(await shellOutput(PYTHON_CLIENT, path)).toBe(
        "['pong 1', 'pong 2', 'pong 3']\n",
      );
    },
  );

  it.skipIf(!hasCommand('python3'))(
    'python3: a 100 kB line gets the error line and the server carries on',
    async () => {
      const { path } = await startPingServer();
      expect(await shellOutput(PYTHON_OVERSIZED, path)).toBe(
        `b'error line longer than ${LIMIT} bytes\\n'\n`,
      );
      const client = await connectLines(path);
      await expectPong(client, 'next');
    },
  );

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
      const command = STRACE_SERVER.replaceAll(DEFAULT_SOCKET, path).replaceAll(
        '/tmp/ping-pong-04.trace',
        trace,
      );
      // Its own process group, so kill() stops the whole group (sh, strace, node) at once.
      const traced = spawnShell(command);
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
      expect(await shellOutput(SOCAT_THREE_PINGS, path)).toBe(
        'pong\npong\npong\n',
      );
      await shellOutput(PYTHON_OVERSIZED, path);
      traced.kill('SIGTERM'); // strace writes out the rest of its trace as it exits
      await traced.waitForExit();
      expect(existsSync(trace)).toBe(true);
      // -yy names each descriptor, so grepping for the socket path keeps only its reads and writes.
      const grep = GREP_TRACE.replaceAll(DEFAULT_SOCKET, path).replaceAll(
        '/tmp/ping-pong-04.trace',
        trace,
      );
      const socketCalls = await shellOutput(grep);
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
