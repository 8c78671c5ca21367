/**
 * Lesson 08 · named pipes vs Unix sockets vs TCP: the same ping/pong over each
 * transport; the FIFO server's one-conversation-at-a-time life and how it holds
 * up against clients that misbehave or belong to someone else; Nagle's
 * algorithm; the benchmark's machinery (with tiny counts) and the C reference.
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  DemoProcess,
  REPO_ROOT,
  connectLines,
  demoScript,
  hasCommand,
  runPython,
  runScript,
  runShellResult,
  spawnScript,
  spawnShell,
  startServer,
  tempDir,
  type ShellResult,
} from './harness/index.ts';
import { compileReference } from '../demos/08-pipes-vs-tcp/bench/reference.ts';
import { placement } from '../demos/08-pipes-vs-tcp/bench/placement.ts';
import {
  formatTable,
  type BenchReport,
} from '../demos/08-pipes-vs-tcp/bench/report.ts';
import { drawChart } from '../demos/08-pipes-vs-tcp/bench/svg.ts';
import { TextLineSplitter } from '../demos/08-pipes-vs-tcp/text-lines.ts';
import {
  LineSplitter,
  LineTooLongError,
} from '../demos/04-bidirectional/lines.ts';

/** The default paths the lesson shows (for uid 1000), swapped for temp ones here. */
const SHOWN_SOCKET = '/run/user/1000/ping-pong/08.sock';
const SHOWN_FIFO_DIR = '/run/user/1000/ping-pong/08-fifos';
const SHOWN_BARE_DIR = '/tmp/fifos-Qx3k9A';

/** Commands the lesson shows, run verbatim (with the paths swapped). */
const LS_FIFOS = 'ls -l /run/user/1000/ping-pong/08-fifos';
const FIFO_BY_HAND =
  'exec 3<> /run/user/1000/ping-pong/08-fifos/to-client; echo "ping by hand" > /run/user/1000/ping-pong/08-fifos/to-server; head -n 1 <&3';
const BARE_BY_HAND =
  'exec 3<> /tmp/fifos-Qx3k9A/to-client; echo ping > /tmp/fifos-Qx3k9A/to-server; head -n 1 <&3';
const SOCAT_UNIX = String.raw`printf 'ping\nping hello\nhello\n' | socat -t1 - UNIX-CONNECT:/run/user/1000/ping-pong/08.sock`;
const PYTHON_TCP = String.raw`python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"ping from python\n"); print(s.makefile().readline().strip())' 41234`;

/** Runs a command the lesson shows with its paths swapped. */
function runShown(
  command: string,
  swaps: Record<string, string>,
): Promise<ShellResult> {
  let line = command;
  for (const [from, to] of Object.entries(swaps))
    line = line.replaceAll(from, to);
  return runShellResult(line);
}

/** The client's flags for each transport, from the address the server printed. */
function clientFlags(transport: string, address: string): string[] {
  if (transport === 'tcp') return ['--transport', 'tcp', '--port', address];
  if (transport === 'fifo')
    return ['--transport', 'fifo', '--fifo-dir', address];
  return ['--socket', address];
}

/** Runs a Python program (given on stdin) with arguments; resolves with its stdout and exit code. */
function python(
  program: string,
  args: string[],
  asUser?: 'nobody',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = asUser
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']
    : [];
  return new Promise((resolve) => {
    const child = execFile(
      command[0] ?? '/usr/bin/python3',
      [
        ...command.slice(1),
        ...(asUser ? ['/usr/bin/python3'] : []),
        '-',
        ...args,
      ],
      { encoding: 'utf8', timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(program);
  });
}

const hasPython = existsSync('/usr/bin/python3');
// Attacks from another user need root to become `nobody` (CI runs as root).
const canSwitchUser =
  process.getuid?.() === 0 && hasCommand('setpriv') && hasPython;

describe('08 · one protocol over three transports', () => {
  it('the unix server pongs single, pipelined, unknown and over-long requests, and talks to socat', async () => {
    const path = join(tempDir(), '08.sock');
    const { address } = await startServer('08', ['--socket', path]);
    const pipelined = await runScript('08', 'client.ts', [
      ...clientFlags('unix', address),
      ...['--count', '2000', '--in-flight', '64', '--size', '1024'],
    ]);
    expect(pipelined.exitStatus.code, pipelined.output).toBe(0);
    expect(pipelined.stdout).toMatch(
      /2000 round trips over unix \(64 in flight, 1024-byte pings\) .* per second/,
    );

    const client = await connectLines(address);
    client.send('hello\nping after\n');
    expect(await client.nextLine()).toBe(
      'error unknown command "hello": try ping',
    );
    expect(await client.nextLine()).toBe('pong after');
    client.send(`ping ${'x'.repeat(65_536 - 5)}\n`);
    expect(await client.nextLine()).toBe(`pong ${'x'.repeat(65_536 - 5)}`);
    // The lines before an over-long one are still answered, then the error, then goodbye.
    client.send(`ping before\nping ${'x'.repeat(65_536)}\n`);
    expect(await client.nextLine()).toBe('pong before');
    expect(await client.nextLine()).toBe('error line longer than 65536 bytes');
    expect(await client.nextLine()).toBeUndefined();

    if (!hasCommand('socat')) return; // optional on a learner's machine
    const shown = await runShown(SOCAT_UNIX, { [SHOWN_SOCKET]: path });
    expect(shown.stdout).toBe(
      'pong\npong hello\nerror unknown command "hello": try ping\n',
    );
  });

  it('the tcp server is on 127.0.0.1, pongs with and without Nagle, and talks to python3', async () => {
    const { address } = await startServer('08', ['--transport', 'tcp']);
    expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    const runs = await Promise.all(
      [[], ['--nagle']].map((nagle) =>
        runScript('08', 'client.ts', [
          ...clientFlags('tcp', address),
          '--count',
          '5',
          '--split',
          ...nagle,
        ]),
      ),
    );
    for (const run of runs) {
      expect(run.exitStatus.code, run.output).toBe(0);
      expect(run.stdout).toMatch(/5 round trips over tcp/);
    }
    const port = /(\d+)$/.exec(address)?.[1] ?? '';
    if (!hasCommand('python3')) return; // in every CI image; optional elsewhere
    const shown = await runShown(PYTHON_TCP, { 41234: port });
    expect(shown.stdout).toBe('pong from python\n');
    expect(
      await runPython(/python3 -c '(.*)' 41234$/.exec(PYTHON_TCP)?.[1] ?? '', [
        port,
      ]),
    ).toBe('pong from python\n');
  });

  it('every client says which server to start when there is none', async () => {
    const dir = tempDir();
    const runs = await Promise.all(
      [
        ['--socket', join(dir, 'none.sock')],
        ['--transport', 'fifo', '--fifo-dir', join(dir, 'none')],
        ['--transport', 'tcp', '--port', '1'],
      ].map((flags) => runScript('08', 'client.ts', flags)),
    );
    for (const run of runs) {
      expect(run.exitStatus.code, run.output).toBe(1);
      expect(run.stderr).toMatch(/server\.ts --transport/);
    }
  });

  it.skipIf(!canSwitchUser)(
    'the unix client refuses a socket file that another user made',
    async () => {
      const dir = tempDir();
      chmodSync(dir, 0o1777); // like /tmp: anyone may create, nobody may replace yours
      const made = await python(
        'import os, socket, sys\n' +
          's = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1] + "/08.sock"); s.listen()\n',
        [dir],
        'nobody',
      );
      expect(made.code, made.stderr).toBe(0);
      const owned = await runScript('08', 'client.ts', [
        ...['--socket', join(dir, '08.sock')],
      ]);
      expect(owned.exitStatus.code).toBe(1);
      expect(owned.stderr).toMatch(
        /owned by uid 65534, not you: refusing to talk to it/,
      );
    },
  );
});

describe('08 · a FIFO server, one client at a time', () => {
  it('makes its folder and user-only FIFOs, restarts after kill -9, refuses to share a live folder, and leaves nothing behind', async () => {
    const top = tempDir();
    const dir = join(top, 'a', 'b', 'c'); // none of it exists yet
    const first = await startServer('08', [
      '--transport',
      'fifo',
      '--fifo-dir',
      dir,
    ]);
    first.server.kill('SIGKILL');
    await first.server.waitForExit();
    const { server, address } = await startServer('08', [
      '--transport',
      'fifo',
      '--fifo-dir',
      dir,
    ]);
    expect(address).toBe(dir);

    const listing = await runShown(LS_FIFOS, { [SHOWN_FIFO_DIR]: dir });
    expect(listing.stdout).toMatch(/^prw------- .* to-client$/m);
    expect(listing.stdout).toMatch(/^prw------- .* to-server$/m);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const byHand = await runShown(FIFO_BY_HAND, { [SHOWN_FIFO_DIR]: dir });
    expect(byHand.stdout).toBe('pong by hand\n');
    await server.waitForLine(/client 1 left: made fresh FIFOs/);

    // A second server on the live folder refuses, and touches nothing.
    const before = statSync(join(dir, 'to-server')).ino;
    const second = spawnScript('08', 'server.ts', [
      '--transport',
      'fifo',
      '--fifo-dir',
      dir,
    ]);
    expect((await second.waitForExit()).code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `another server \\(pid ${server.child.pid}\\) is already serving`,
      ),
    );
    expect(statSync(join(dir, 'to-server')).ino).toBe(before);
    const again = await runShown(FIFO_BY_HAND, { [SHOWN_FIFO_DIR]: dir });
    expect(again.stdout).toBe('pong by hand\n'); // still serving

    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    expect(readdirSync(top)).toEqual([]); // a/b/c made, a/b/c removed
  });

  it.skipIf(!hasPython)(
    'survives a client that leaves without reading, sends all 10,000 pongs after EOF, and refuses a second client as busy',
    async () => {
      const dir = join(tempDir(), 'fifos');
      const { server } = await startServer('08', [
        '--transport',
        'fifo',
        '--fifo-dir',
        dir,
      ]);

      // Writes pings as long as the server reads them (at least 64 KiB), then leaves.
      const leaver = await python(
        'import os, select, sys\n' +
          'r = os.open(sys.argv[1] + "/to-client", os.O_RDONLY | os.O_NONBLOCK)\n' +
          'w = os.open(sys.argv[1] + "/to-server", os.O_WRONLY | os.O_NONBLOCK)\n' +
          'data, sent = b"ping\\n" * (256 * 1024 // 5), 0\n' +
          'while sent < len(data):\n' +
          '    try: sent += os.write(w, data[sent:])\n' +
          '    except BlockingIOError:\n' +
          '        if not select.select([], [w], [], 1)[1]: break\n' +
          'print(sent)\n',
        [dir],
      );
      expect(Number(leaver.stdout), leaver.stderr).toBeGreaterThanOrEqual(
        65_536,
      );
      await server.waitForLine(/client 1 left: made fresh FIFOs/);
      // Its unread pongs are gone with the old FIFOs: the next client sees only its own.
      const next = await runShown(FIFO_BY_HAND, { [SHOWN_FIFO_DIR]: dir });
      expect(next.stdout).toBe('pong by hand\n');
      await server.waitForLine(/client 2 left/);

      // 10,000 pings in one go, then close the write end: every pong still arrives.
      const burst = await python(
        'import os, sys, threading\n' +
          'r = os.open(sys.argv[1] + "/to-client", os.O_RDONLY | os.O_NONBLOCK); os.set_blocking(r, True)\n' +
          'w = os.open(sys.argv[1] + "/to-server", os.O_WRONLY)\n' +
          'def send():\n' +
          '    data = memoryview(b"ping\\n" * 10000)\n' +
          '    while data: data = data[os.write(w, data):]\n' +
          '    os.close(w)\n' +
          'threading.Thread(target=send).start()\n' +
          'with os.fdopen(r, "rb") as replies: print(sum(line == b"pong\\n" for line in replies))\n',
        [dir],
      );
      expect(burst.stdout.trim(), burst.stderr).toBe('10000');
      await server.waitForLine(/client 3 left/);

      // Two clients at once: the second is told the server is busy, at once.
      const long = spawnScript('08', 'client.ts', [
        ...clientFlags('fifo', dir),
        '--count',
        '100000000',
      ]);
      await server.waitForLine(/client 4 started writing/);
      const refused = await runScript('08', 'client.ts', [
        ...clientFlags('fifo', dir),
        '--count',
        '1',
      ]);
      expect(refused.exitStatus.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(`busy with another client \\(pid ${long.child.pid}\\)`),
      );
      long.kill('SIGKILL');
      await server.waitForLine(/client 4 left: made fresh FIFOs/);
      const after = await runShown(FIFO_BY_HAND, { [SHOWN_FIFO_DIR]: dir });
      expect(after.stdout).toBe('pong by hand\n');
    },
  );

  it.skipIf(!canSwitchUser)(
    'refuses a FIFO folder that another user made, or their symlink, in the server and in the client',
    async () => {
      const dir = tempDir();
      chmodSync(dir, 0o1777);
      const made = await python(
        'import os, sys\nos.mkdir(sys.argv[1] + "/theirs", 0o700)\n' +
          'os.symlink("/root", sys.argv[1] + "/link")\n',
        [dir],
        'nobody',
      );
      expect(made.code, made.stderr).toBe(0);
      const runs = await Promise.all([
        runScript('08', 'server.ts', [
          '--transport',
          'fifo',
          '--fifo-dir',
          join(dir, 'theirs'),
        ]),
        runScript('08', 'server.ts', [
          '--transport',
          'fifo',
          '--fifo-dir',
          join(dir, 'link'),
        ]),
        runScript('08', 'client.ts', [
          '--transport',
          'fifo',
          '--fifo-dir',
          join(dir, 'theirs'),
        ]),
      ]);
      expect(runs.map((run) => run.exitStatus.code)).toEqual([1, 1, 1]);
      expect(runs[0]?.stderr).toMatch(
        /owned by uid 65534, not you: refusing to use it/,
      );
      expect(runs[1]?.stderr).toMatch(/is a symlink, not a folder: refusing/);
      expect(runs[2]?.stderr).toMatch(
        /owned by uid 65534, not you: refusing to use it/,
      );
      expect(readdirSync(join(dir, 'theirs'))).toEqual([]); // nothing created in it
    },
  );

  it('the bare FIFO server answers the shell, then removes its folder', async () => {
    const bare = spawnScript('08', 'bare.ts', []);
    const dir =
      /listening on (\S+)/.exec(await bare.waitForLine('listening on'))?.[1] ??
      '';
    const byHand = await runShown(BARE_BY_HAND, { [SHOWN_BARE_DIR]: dir });
    expect(byHand.stdout).toBe('pong\n');
    expect((await bare.waitForExit()).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('08 · one line splitter behaviour', () => {
  /** Feeds `bytes` in chunks of `size`; the lines, then the error and the lines it carried. */
  function split(
    splitter: { push(chunk: Buffer): string[] },
    bytes: Buffer,
    size: number,
  ): unknown[] {
    const lines: unknown[] = [];
    try {
      for (let at = 0; at < bytes.length; at += size)
        lines.push(...splitter.push(bytes.subarray(at, at + size)));
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      lines.push({ tooLong: error.linesBefore });
    }
    return lines;
  }

  it("gives the same lines as lesson 04's LineSplitter for the same bytes, however they are chunked", () => {
    const inputs = [
      Buffer.from('ping\nping hello\r\n\nping é€😀 unicode\nhalf'),
      Buffer.from(`ping ${'x'.repeat(100)}\n`.repeat(50)),
      Buffer.from(`${'é'.repeat(60)}\n${'é'.repeat(40)}`),
      Buffer.from([0x70, 0xe2, 0x82, 0x0a, 0xff, 0x0a, 0xf0, 0x9f, 0x98]), // broken UTF-8
      // An over-long line after two good ones, in one chunk or many.
      Buffer.from(`ping 1\nping 2\n${'z'.repeat(101)}\nping 3\n`),
      Buffer.from(`${'y'.repeat(100)}\n${'z'.repeat(150)}`),
    ];
    for (const bytes of inputs) {
      for (const size of [1, 2, 3, 7, 64, 100_000]) {
        expect(
          split(new TextLineSplitter(100), bytes, size),
          `${JSON.stringify(bytes.toString().slice(0, 20))} in chunks of ${size}`,
        ).toEqual(split(new LineSplitter(100), bytes, size));
      }
    }
    const oneChunk = split(
      new TextLineSplitter(100),
      inputs[4] ?? Buffer.alloc(0),
      100_000,
    );
    expect(oneChunk).toEqual([{ tooLong: ['ping 1', 'ping 2'] }]);
  });
});

describe('08 · the benchmark', () => {
  const report: BenchReport = {
    command: 'npm run bench',
    machine: '2 × Test CPU, linux 6.0, Node v20',
    placement: 'same: server and client both on CPU 0 (taskset -c 0)',
    quick: false,
    notes: [],
    rows: (['fifo', 'unix', 'tcp'] as const).flatMap((transport, t) =>
      [
        { scenario: 'strict 5 B', size: 5, inFlight: 1 },
        { scenario: 'strict 1 KiB', size: 1024, inFlight: 1 },
        { scenario: 'pipelined 64', size: 5, inFlight: 64 },
      ].map((s, i) => ({
        transport,
        ...s,
        node: {
          perSecond: 1000 * (t + 1) * (i + 1),
          p50Ms: 0.05,
          p99Ms: 0.1,
          count: 10,
        },
        ...(s.inFlight === 1
          ? { c: { perSecond: 2000, p50Ms: 0.01, p99Ms: 0.02, count: 10 } }
          : {}),
      })),
    ),
  };

  it('places server and client on one CPU, two, or wherever the scheduler likes, and says which', () => {
    const twoCpus = { canPin: true, cpuCount: 2 };
    expect(placement('same', twoCpus)).toMatchObject({
      server: ['taskset', '-c', '0'],
      client: ['taskset', '-c', '0'],
      description: expect.stringMatching(
        /^same: server and client both on CPU 0/,
      ),
    });
    expect(placement('split', twoCpus)).toMatchObject({
      client: ['taskset', '-c', '1'],
      description: expect.stringMatching(
        /^split: server on CPU 0, client on CPU 1/,
      ),
    });
    expect(
      placement('split', { canPin: true, cpuCount: 1 }).description,
    ).toMatch(/^same: .*split needs two CPUs/);
    expect(placement('same', { canPin: false, cpuCount: 2 })).toMatchObject({
      server: [],
      client: [],
      description: expect.stringMatching(
        /^unpinned: .*taskset is not available/,
      ),
    });
    expect(placement('none', twoCpus).description).toMatch(
      /^unpinned: the scheduler/,
    );
  });

  it('prints a table with ratios to unix and to C, and draws a well-formed SVG chart', () => {
    const table = formatTable(report);
    expect(table).toMatch(
      /^tcp +strict 5 B +3,000\/s +0\.050 ms +0\.100 ms +1\.50× +2,000\/s +1\.50×$/m,
    );
    const chart = drawChart(report);
    expect(chart.startsWith('<svg ')).toBe(true);
    expect(isBalancedXml(chart)).toBe(true);
    expect(chart).toContain(
      '<rect width="100%" height="100%" fill="#ffffff"/>',
    );
    for (const transport of ['fifo', 'unix', 'tcp'])
      expect(chart).toContain(
        `class="bar" data-transport="${transport}" data-runtime="node"`,
      );
  });

  it('a short run measures, writes its chart where it is told, and leaves the temp folder and the lesson chart alone', async () => {
    const dir = tempDir();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const svg = join(dir, 'chart.svg');
    const lessonChart = readFileSync(
      join(REPO_ROOT, 'demos/08-pipes-vs-tcp/bench/bench.svg'),
      'utf8',
    );
    const bench = await runScript(
      '08',
      'bench/bench.ts',
      [
        '--transport',
        'unix',
        '--count',
        '5',
        '--pin',
        'none',
        '--json',
        '--svg',
        svg,
      ],
      { env: { TMPDIR: tmp }, timeoutMs: 30_000 },
    );
    expect(bench.exitStatus.code, bench.output).toBe(0);
    const result = JSON.parse(
      bench.stdout.slice(bench.stdout.indexOf('{')),
    ) as BenchReport;
    expect(result.rows.map((row) => row.scenario)).toEqual([
      'strict 5 B',
      'strict 1 KiB',
      'pipelined 64',
    ]);
    for (const row of result.rows)
      expect(row.node.perSecond).toBeGreaterThan(0);
    if (hasCommand('cc'))
      expect(result.rows[0]?.c?.perSecond).toBeGreaterThan(0);
    expect(isBalancedXml(readFileSync(svg, 'utf8'))).toBe(true);
    expect(benchFolders(tmp)).toEqual([]);
    expect(
      readFileSync(
        join(REPO_ROOT, 'demos/08-pipes-vs-tcp/bench/bench.svg'),
        'utf8',
      ),
    ).toBe(lessonChart);
    // Without --svg the chart goes to bench-results/, which git ignores.
    expect(
      execFileSync('git', ['check-ignore', 'bench-results/bench.svg'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      }),
    ).toBe('bench-results/bench.svg\n');
  });

  it('an interrupted run stops its processes and leaves nothing in the temp folder', async () => {
    const tmp = tempDir();
    const bench = new DemoProcess(
      demoScript('08', 'bench/bench.ts'),
      ['--transport', 'unix', '--count', '10000000', '--pin', 'none'],
      { env: { TMPDIR: tmp } },
    );
    await bench.waitForLine(/1\/5 node unix strict 5 B/, { timeoutMs: 20_000 });
    bench.kill('SIGTERM');
    expect((await bench.waitForExit()).code).toBe(1);
    expect(bench.stderr).toMatch(
      /SIGTERM: benchmark stopped, .*pp-bench-\w+ removed/,
    );
    expect(benchFolders(tmp)).toEqual([]);
  });

  it.skipIf(!hasCommand('cc'))(
    'the C reference compiles and pongs in the same protocol',
    async () => {
      const dir = tempDir();
      const compiled = compileReference(dir);
      if (!('binary' in compiled)) throw new Error(compiled.missing);
      const path = join(dir, 'c.sock');
      const server = spawnShell(`'${compiled.binary}' server unix '${path}'`); // killed at teardown
      await server.waitForLine('listening on', { timeoutMs: 5_000 });
      const client = await connectLines(path);
      client.send('ping\nping from C\n');
      expect(await client.nextLine()).toBe('pong');
      expect(await client.nextLine()).toBe('pong from C');
    },
  );
});

/** What a benchmark run left in `tmp` (tsx keeps a cache of its own there, which is not ours). */
function benchFolders(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('pp-bench-'));
}

/** A minimal well-formedness check: every opened tag is closed, in order. */
function isBalancedXml(text: string): boolean {
  const open: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name = '', selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) open.push(name);
    else if (open.pop() !== name) return false;
  }
  return open.length === 0 && text.split('<').length === text.split('>').length;
}
