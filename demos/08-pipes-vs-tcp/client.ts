/**
 * Lesson 08 · the ping-pong client for every transport, and the benchmark's load.
 *
 * It sends `--count` pings of `--size` bytes each (5 bytes is a bare `ping\n`),
 * keeps `--in-flight` of them outstanding (1: strict ping-pong, each ping waits for
 * the previous pong), checks every pong, and prints round trips per second and
 * the latency of each round trip, measured with process.hrtime.bigint().
 */
import net from 'node:net';
import {
  errorMessage,
  fail,
  orExit,
  parseCli,
  parseInteger,
  usageError,
} from '../common/cli.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { DEFAULT_FIFO_DIR } from './fifos.ts';
import { connectTo, type Transport } from './connect.ts';
import { measure, summarize } from './measure.ts';

const flags = parseCli({
  usage: 'npx tsx demos/08-pipes-vs-tcp/client.ts',
  summary:
    'Plays ping-pong with the lesson 08 server over fifo, unix or tcp and prints how fast it went.',
  flags: {
    transport: {
      type: 'string',
      valueName: 'fifo|unix|tcp',
      default: 'unix',
      description: 'how to reach the server',
    },
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('08'),
      description: 'the socket file (unix)',
    },
    port: {
      type: 'string',
      valueName: 'N',
      description:
        "the server's port, or the tcp://127.0.0.1:N it printed (tcp)",
    },
    'fifo-dir': {
      type: 'string',
      valueName: 'DIR',
      default: DEFAULT_FIFO_DIR,
      description: 'where the server made its FIFOs (fifo)',
    },
    count: {
      type: 'string',
      valueName: 'N',
      default: '10000',
      description: 'how many pings to send',
    },
    size: {
      type: 'string',
      valueName: 'BYTES',
      default: '5',
      description: 'bytes per ping, newline included (5 = "ping\\n")',
    },
    'in-flight': {
      type: 'string',
      valueName: 'N',
      default: '1',
      description:
        'pings sent before waiting for a pong (1 = strict ping-pong)',
    },
    warmup: {
      type: 'string',
      valueName: 'N',
      default: '0',
      description:
        'untimed round trips first, so the JIT has compiled the loop',
    },
    nagle: {
      type: 'boolean',
      description: "tcp: leave Nagle's algorithm on (no setNoDelay)",
    },
    split: {
      type: 'boolean',
      description: 'write each ping in two parts, as a careless client might',
    },
    json: {
      type: 'boolean',
      description: 'print one JSON line of results (for npm run bench)',
    },
  },
});
const transport = flags.transport as Transport;
if (!['fifo', 'unix', 'tcp'].includes(transport))
  usageError(`--transport must be fifo, unix or tcp, got "${flags.transport}"`);
if (transport === 'tcp' && flags.port === undefined)
  usageError('--transport tcp needs --port: the port the server printed');
const count = parseInteger(flags.count, 'count', 1, 100_000_000);
const size = parseInteger(flags.size, 'size', 5, 64 * 1024);
const inFlight = parseInteger(flags['in-flight'], 'in-flight', 1, 100_000);
const warmup = parseInteger(flags.warmup, 'warmup', 0, 100_000_000);

// #region connect
const connection = await orExit(
  connectTo(transport, {
    socket: flags.socket,
    port: flags.port ?? '',
    fifoDir: flags['fifo-dir'],
    noDelay: !flags.nagle,
  }),
);
// #endregion connect

// `ping\n` is 5 bytes; longer pings carry x's: `ping xxx…x\n`.
const request = size === 5 ? 'ping\n' : `ping ${'x'.repeat(size - 6)}\n`;
try {
  if (warmup > 0)
    await measure(connection, {
      request,
      count: warmup,
      inFlight,
      split: flags.split,
    });
  const result = await measure(connection, {
    request,
    count,
    inFlight,
    split: flags.split,
  });
  const summary = summarize(result, {
    transport,
    size,
    inFlight,
    noDelay: !flags.nagle,
    split: flags.split,
  });
  if (flags.json) {
    console.log(JSON.stringify(summary));
  } else {
    const style = inFlight === 1 ? 'strict ping-pong' : `${inFlight} in flight`;
    console.log(
      `first pong: ${JSON.stringify(result.firstReply.slice(0, 40))}`,
    );
    console.log(
      `${count} round trips over ${transport} (${style}, ${size}-byte pings) in ${summary.seconds.toFixed(3)} s: ` +
        `${Math.round(summary.perSecond)} per second; latency p50 ${summary.p50Ms.toFixed(3)} ms, p99 ${summary.p99Ms.toFixed(3)} ms`,
    );
  }
} catch (error) {
  fail(errorMessage(error));
}
connection.close();
