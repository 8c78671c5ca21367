/**
 * Lesson 08 · named pipes vs Unix sockets vs TCP: the same ping/pong over each
 * transport, the FIFO server's one-conversation-at-a-time life, Nagle's algorithm,
 * the benchmark's output and the C reference.
 * `npm run verify -- 08 my-server.ts` runs the end-to-end tests against your own server.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLines,
  hasCommand,
  runPython,
  runScript,
  runShellResult,
  spawnShell,
  startServer,
  tempDir,
  verifying,
  type ShellResult,
} from './harness/index.ts';
import { compileReference } from '../demos/08-pipes-vs-tcp/bench/reference.ts';
import { TextLineSplitter } from '../demos/08-pipes-vs-tcp/text-lines.ts';
import {
  LineSplitter,
  LineTooLongError,
} from '../demos/04-bidirectional/lines.ts';

const DEFAULT_SOCKET = '/tmp/ping-pong-08.sock';
const DEFAULT_FIFO_DIR = '/tmp/ping-pong-08-fifos';

/** Commands the lesson shows, run verbatim (with the default paths swapped for temp ones). */
const LS_FIFOS = 'ls -l /tmp/ping-pong-08-fifos';
const FIFO_BY_HAND =
  'exec 3< /tmp/ping-pong-08-fifos/to-client; echo "ping by hand" > /tmp/ping-pong-08-fifos/to-server; head -n 1 <&3';
const SOCAT_UNIX = String.raw`printf 'ping\nping hello\nhello\n' | socat -t1 - UNIX-CONNECT:/tmp/ping-pong-08.sock`;
const PYTHON_TCP = String.raw`python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"ping from python\n"); print(s.makefile().readline().strip())' 41234`;
const BENCH_QUICK_JSON = 'npm run bench -- --quick --json';
const BENCH_SPLIT = 'npm run bench -- --pin split --quick';

/** One argument, quoted for `sh`. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs a command the lesson shows with the default paths swapped (`swaps`) and `args` added at the end; the benchmark takes a while. */
function runLessonCommand(
  command: string,
  swaps: Record<string, string>,
  args: string[] = [],
): Promise<ShellResult> {
  let line = command;
  for (const [from, to] of Object.entries(swaps))
    line = line.replaceAll(from, to);
  return runShellResult([line, ...args.map(shellQuote)].join(' '), 90_000);
}

/** The client's flags for each transport, from the address the server printed. */
function clientFlags(transport: string, address: string): string[] {
  if (transport === 'tcp') return ['--transport', 'tcp', '--port', address];
  if (transport === 'fifo')
    return ['--transport', 'fifo', '--fifo-dir', address];
  return ['--socket', address];
}

function serverFlags(transport: string, dir: string): string[] {
  if (transport === 'tcp') return ['--transport', 'tcp'];
  if (transport === 'fifo')
    return ['--transport', 'fifo', '--fifo-dir', join(dir, 'fifos')];
  return ['--socket', join(dir, '08.sock')];
}

describe('08 · one protocol over three transports', () => {
  for (const transport of ['fifo', 'unix', 'tcp']) {
    it(`pings and pongs over ${transport}`, async () => {
      const { address } = await startServer(
        '08',
        serverFlags(transport, tempDir()),
      );
      const client = await runScript('08', 'client.ts', [
        ...clientFlags(transport, address),
        '--count',
        '200',
        '--size',
        '1024',
      ]);
      expect(client.exitStatus.code, client.output).toBe(0);
      expect(client.stdout).toMatch(
        new RegExp(`200 round trips over ${transport} .* per second`),
      );
    });
  }

  it('prints a TCP address on 127.0.0.1 with the port the kernel chose', async () => {
    const { address } = await startServer('08', ['--transport', 'tcp']);
    expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('keeps 64 pings in flight and still gets every pong, in order', async () => {
    const { address } = await startServer('08', serverFlags('unix', tempDir()));
    const client = await runScript('08', 'client.ts', [
      ...clientFlags('unix', address),
      '--count',
      '5000',
      '--in-flight',
      '64',
    ]);
    expect(client.exitStatus.code, client.output).toBe(0);
  });

  it('answers an unknown command with an error and keeps the connection', async () => {
    const { address } = await startServer('08', serverFlags('unix', tempDir()));
    const client = await connectLines(address);
    client.send('hello\nping after\n');
    expect(await client.nextLine()).toBe(
      'error unknown command "hello": try ping',
    );
    expect(await client.nextLine()).toBe('pong after');
  });

  it('answers a 64 KiB line, and closes on a longer one with an error', async () => {
    const { address } = await startServer('08', serverFlags('unix', tempDir()));
    const client = await connectLines(address);
    client.send(`ping ${'x'.repeat(65_536 - 5)}\n`);
    expect(await client.nextLine()).toBe(`pong ${'x'.repeat(65_536 - 5)}`);
    client.send(`ping ${'x'.repeat(65_536)}\n`);
    expect(await client.nextLine()).toBe('error line longer than 65536 bytes');
    expect(await client.nextLine()).toBeUndefined();
  });

  it('tells a client with no server which server to start, for each transport', async () => {
    const dir = tempDir();
    for (const flags of [
      ['--socket', join(dir, 'none.sock')],
      ['--transport', 'fifo', '--fifo-dir', dir],
      ['--transport', 'tcp', '--port', '1'],
    ]) {
      const client = await runScript('08', 'client.ts', flags);
      expect(client.exitStatus.code).toBe(1);
      expect(client.stderr).toMatch(/server\.ts --transport/);
    }
  });
});

describe('08 · splitting lines once per read', () => {
  /** Feeds `bytes` in chunks of `size` and collects the lines, or the error. */
  function split(
    splitter: { push(chunk: Buffer): string[] },
    bytes: Buffer,
    size: number,
  ): string[] | string {
    const lines: string[] = [];
    try {
      for (let at = 0; at < bytes.length; at += size)
        lines.push(...splitter.push(bytes.subarray(at, at + size)));
    } catch (error) {
      return error instanceof LineTooLongError
        ? `too long after ${lines.length}`
        : String(error);
    }
    return lines;
  }

  it('cuts lines exactly as lesson 04 does, however the bytes are chunked', () => {
    const inputs = [
      'ping\nping hello\r\n\nping é€😀 unicode\nhalf',
      `ping ${'x'.repeat(100)}\n`.repeat(50),
      `${'y'.repeat(100)}\n${'z'.repeat(101)}\nping\n`,
      `${'é'.repeat(60)}\n${'é'.repeat(40)}`,
    ];
    for (const text of inputs) {
      for (const size of [1, 2, 3, 7, 64, 100_000]) {
        const bytes = Buffer.from(text);
        expect(
          split(new TextLineSplitter(100), bytes, size),
          `${JSON.stringify(text.slice(0, 20))} in chunks of ${size}`,
        ).toEqual(split(new LineSplitter(100), bytes, size));
      }
    }
  });
});

describe('08 · named pipes have no connections', () => {
  it('the FIFO server serves a second client after the first leaves', async () => {
    const { server, address } = await startServer(
      '08',
      serverFlags('fifo', tempDir()),
    );
    const first = await runScript('08', 'client.ts', [
      ...clientFlags('fifo', address),
      '--count',
      '10',
    ]);
    expect(first.exitStatus.code, first.output).toBe(0);
    await server.waitForLine(/made fresh FIFOs for the next client/);
    const second = await runScript('08', 'client.ts', [
      ...clientFlags('fifo', address),
      '--count',
      '10',
    ]);
    expect(second.exitStatus.code, second.output).toBe(0);
    await server.waitForLine(/made fresh FIFOs for the next client/, {
      count: 2,
    });
  });

  it('makes its FIFOs user-only and removes them on SIGTERM', async () => {
    const dir = join(tempDir(), 'fifos');
    const { server } = await startServer('08', [
      '--transport',
      'fifo',
      '--fifo-dir',
      dir,
    ]);
    const listing = await runLessonCommand(LS_FIFOS, {
      [DEFAULT_FIFO_DIR]: dir,
    });
    expect(listing.stdout).toMatch(/^prw------- .* to-client$/m);
    expect(listing.stdout).toMatch(/^prw------- .* to-server$/m);
    server.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    expect(
      (await runLessonCommand(LS_FIFOS, { [DEFAULT_FIFO_DIR]: dir })).code,
    ).not.toBe(0);
  });

  it('answers a ping written into the FIFO by hand from the shell', async () => {
    const dir = join(tempDir(), 'fifos');
    await startServer('08', ['--transport', 'fifo', '--fifo-dir', dir]);
    const result = await runLessonCommand(FIFO_BY_HAND, {
      [DEFAULT_FIFO_DIR]: dir,
    });
    expect(result.stdout.trim()).toBe('pong by hand');
  });
});

describe('08 · TCP and Nagle', () => {
  for (const nagle of [false, true]) {
    it(`plays ping-pong over TCP ${nagle ? 'with Nagle left on' : 'with TCP_NODELAY'}, even with pings written in two parts`, async () => {
      const { address } = await startServer('08', ['--transport', 'tcp']);
      const flags = [
        ...clientFlags('tcp', address),
        '--count',
        '5',
        '--split',
        ...(nagle ? ['--nagle'] : []),
      ];
      const client = await runScript('08', 'client.ts', flags);
      expect(client.exitStatus.code, client.output).toBe(0);
      expect(client.stdout).toMatch(/5 round trips over tcp/);
    });
  }

  // python3 is in every CI image we use; skip with the reason if a machine lacks it.
  it.skipIf(!hasCommand('python3'))(
    'talks to a python3 client over TCP',
    async () => {
      const { address } = await startServer('08', ['--transport', 'tcp']);
      const port = /(\d+)$/.exec(address)?.[1] ?? '';
      const program = /python3 -c '(.*)' 41234$/.exec(PYTHON_TCP)?.[1] ?? '';
      expect(await runPython(program, [port])).toBe('pong from python\n');
      const shown = await runLessonCommand(PYTHON_TCP, { 41234: port });
      expect(shown.stdout).toBe('pong from python\n');
    },
  );

  // socat is optional on a learner's machine; without it there is nothing to run.
  it.skipIf(!hasCommand('socat'))(
    'talks to socat over the Unix socket',
    async () => {
      const path = join(tempDir(), '08.sock');
      await startServer('08', ['--socket', path]);
      const result = await runLessonCommand(SOCAT_UNIX, {
        [DEFAULT_SOCKET]: path,
      });
      expect(result.stdout).toBe(
        'pong\npong hello\nerror unknown command "hello": try ping\n',
      );
    },
  );
});

describe('08 · the benchmark', () => {
  it.skipIf(verifying('08'))(
    'npm run bench -- --quick --json measures every transport and draws a valid SVG chart',
    { timeout: 120_000 },
    async () => {
      const svg = join(tempDir(), 'bench.svg');
      const result = await runLessonCommand(BENCH_QUICK_JSON, {}, [
        '--svg',
        svg,
      ]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(
        result.stdout.slice(result.stdout.indexOf('{')),
      ) as {
        rows: Array<{
          transport: string;
          scenario: string;
          node: { perSecond: number };
          c?: { perSecond: number };
        }>;
      };
      for (const transport of ['fifo', 'unix', 'tcp']) {
        const rows = report.rows.filter((row) => row.transport === transport);
        expect(rows.map((row) => row.scenario)).toEqual([
          'strict 5 B',
          'strict 1 KiB',
          'pipelined 64',
        ]);
        for (const row of rows) expect(row.node.perSecond).toBeGreaterThan(0);
        if (hasCommand('cc')) expect(rows[0]?.c?.perSecond).toBeGreaterThan(0);
      }
      const chart = readFileSync(svg, 'utf8');
      expect(chart.trimStart().startsWith('<svg ')).toBe(true);
      expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
      expect(isBalancedXml(chart)).toBe(true);
      for (const transport of ['fifo', 'unix', 'tcp'])
        expect(chart).toContain(
          `class="bar" data-transport="${transport}" data-runtime="node"`,
        );
    },
  );

  // taskset (util-linux) is on every Linux we support; elsewhere the bench says it runs unpinned.
  it.skipIf(verifying('08') || !hasCommand('taskset'))(
    'npm run bench -- --pin split puts the server and the client on different CPUs, and says so',
    { timeout: 120_000 },
    async () => {
      const result = await runLessonCommand(BENCH_SPLIT, {}, [
        '--json',
        '--svg',
        join(tempDir(), 'split.svg'),
      ]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(
        result.stdout.slice(result.stdout.indexOf('{')),
      ) as { placement: string };
      expect(report.placement).toMatch(
        /^split: server on CPU 0, client on CPU 1|^unpinned/,
      );
    },
  );

  it.skipIf(!hasCommand('cc') || verifying('08'))(
    'the C reference compiles and pongs in the same protocol',
    async () => {
      const dir = tempDir();
      const compiled = compileReference(dir);
      if (!('binary' in compiled)) throw new Error(compiled.missing);
      const path = join(dir, 'c.sock');
      const server = spawnShell(
        [compiled.binary, 'server', 'unix', path].map(shellQuote).join(' '),
      ); // killed at teardown
      await server.waitForLine('listening on', { timeoutMs: 5_000 });
      const client = await connectLines(path);
      client.send('ping\nping from C\n');
      expect(await client.nextLine()).toBe('pong');
      expect(await client.nextLine()).toBe('pong from C');
    },
  );
});

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
