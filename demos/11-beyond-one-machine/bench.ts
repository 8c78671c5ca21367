/**
 * Lesson 11 · what the network layer costs: the same ping over lesson 08's Unix
 * socket and over NATS on loopback, strict (one ping at a time) and pipelined
 * (many in flight); then fan-out to many subscribers, NATS against lesson 06.
 *
 * It prints numbers and asserts nothing: they depend on the machine and its load.
 * It needs a nats-server (`nats-server -a 127.0.0.1`); it starts the Unix-socket
 * server, a pong worker and lesson 06's daemon itself, as separate processes.
 */
import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { errorMessage, fail, parseCli, parseInteger } from '../common/cli.ts';
import { measure, summarize } from '../08-pipes-vs-tcp/measure.ts';
import { startServer, stopServer } from '../08-pipes-vs-tcp/bench/run.ts';
import { connectOrExit, serverFlag } from './nats-connection.ts';
import { PING_SUBJECT } from './subjects.ts';

const flags = parseCli({
  usage: 'npx tsx demos/11-beyond-one-machine/bench.ts',
  summary:
    'Times ping round trips over a Unix socket and over NATS, strict and pipelined, and fan-out to many subscribers.',
  flags: {
    server: serverFlag,
    count: {
      type: 'string',
      valueName: 'N',
      default: '20000',
      description: 'pings per run',
    },
    'in-flight': {
      type: 'string',
      valueName: 'N',
      default: '100',
      description: 'pings outstanding when pipelining',
    },
    subscribers: {
      type: 'string',
      valueName: 'N',
      default: '1000',
      description: 'subscribers for the fan-out',
    },
    updates: {
      type: 'string',
      valueName: 'N',
      default: '100',
      description: 'updates timed in the fan-out',
    },
  },
});
const count = parseInteger(flags.count, 'count', 100);
const inFlight = parseInteger(flags['in-flight'], 'in-flight', 2, 10_000);
const subscriberCount = parseInteger(flags.subscribers, 'subscribers', 1, 5000);
const updateCount = parseInteger(flags.updates, 'updates', 1, 10_000);

const DEMOS = fileURLToPath(new URL('..', import.meta.url));
/** A demo script, run the way this process runs (`npx tsx`'s loader flags and all). */
const node = (script: string, args: string[]): string[] => [
  process.execPath,
  ...process.execArgv,
  join(DEMOS, script),
  ...args,
];
const dir = mkdtempSync(join(tmpdir(), 'pp-bench11-'));

interface Line {
  name: string;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}
const lines: Line[] = [];
const show = (line: Line): void => {
  lines.push(line);
  const rate = `${Math.round(line.perSecond).toLocaleString('en-US')} round trips/s`;
  console.log(
    `${line.name.padEnd(26)} ${rate.padStart(24)}   p50 ${line.p50Ms.toFixed(3)} ms   p99 ${line.p99Ms.toFixed(3)} ms`,
  );
};

// #region unix
/** Lesson 08's client loop against lesson 08's server, on a Unix socket. */
async function unixSocket(): Promise<void> {
  const socketPath = join(dir, '08.sock');
  const { server } = await startServer(
    node('08-pipes-vs-tcp/server.ts', [
      '--transport',
      'unix',
      '--socket',
      socketPath,
    ]),
    [],
  );
  const socket = net.connect(socketPath);
  await once(socket, 'connect');
  const connection = {
    input: socket,
    output: socket,
    close: () => socket.end(),
  };
  for (const [name, depth] of [
    ['unix socket, strict', 1],
    ['unix socket, pipelined', inFlight],
  ] as const) {
    await measure(connection, {
      request: 'ping\n',
      count: Math.min(count, 1000),
      inFlight: depth,
      split: false,
    }); // warm-up
    const result = await measure(connection, {
      request: 'ping\n',
      count,
      inFlight: depth,
      split: false,
    });
    show({
      name,
      ...summarize(result, {
        transport: 'unix',
        size: 5,
        inFlight: depth,
        noDelay: true,
        split: false,
      }),
    });
  }
  socket.destroy();
  await stopServer(server);
}
// #endregion unix

// #region nats
/** `depth` loops, each sending its next request when its pong arrives. */
async function natsRun(
  nats: NatsConnection,
  depth: number,
  total: number,
): Promise<Omit<Line, 'name'>> {
  const latencies: number[] = [];
  let sent = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (sent < total) {
      sent += 1;
      const at = performance.now();
      const reply = await nats.request(PING_SUBJECT, 'ping', { timeout: 5000 });
      if (reply.string() !== 'pong')
        throw new Error(`expected pong, got ${JSON.stringify(reply.string())}`);
      latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: depth }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number): number =>
    latencies[
      Math.min(latencies.length - 1, Math.floor(p * latencies.length))
    ] ?? 0;
  return { perSecond: total / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** The same pings, as requests to a pong worker (its own process) through nats-server. */
async function natsLoopback(): Promise<void> {
  const { server: worker } = await startServer(
    node('11-beyond-one-machine/server.ts', [
      '--server',
      flags.server,
      '--name',
      'bench',
      '--quiet',
    ]),
    [],
  );
  const nats = await connectOrExit(flags.server, 'bench');
  for (const [name, depth] of [
    ['NATS loopback, strict', 1],
    ['NATS loopback, pipelined', inFlight],
  ] as const) {
    await natsRun(nats, depth, Math.min(count, 1000)); // warm-up
    show({ name, ...(await natsRun(nats, depth, count)) });
  }
  await nats.close();
  await stopServer(worker);
}
// #endregion nats

// #region fanout
/** N subscriber connections; one publisher; time until every subscriber has each update. */
async function natsFanOut(): Promise<string> {
  const subscribers: NatsConnection[] = [];
  let waiting = { left: 0, done: (): void => {} };
  for (let opened = 0; opened < subscriberCount; opened += 100) {
    const batch = Array.from(
      { length: Math.min(100, subscriberCount - opened) },
      () => connect({ servers: flags.server }),
    );
    subscribers.push(...(await Promise.all(batch)));
  }
  for (const subscriber of subscribers) {
    subscriber.subscribe('bench.fanout', {
      callback: () => void (--waiting.left === 0 && waiting.done()),
    });
    await subscriber.flush();
  }
  const publisher = await connect({ servers: flags.server });
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < updateCount; i++) {
    const delivered = new Promise<void>(
      (done) => (waiting = { left: subscriberCount, done }),
    );
    const at = performance.now();
    publisher.publish('bench.fanout', `{"type":"update","count":${i}}`);
    await delivered;
    latencies.push(performance.now() - at);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  await Promise.all(
    [publisher, ...subscribers].map((connection) => connection.close()),
  );
  const p = (q: number): string =>
    (
      latencies[
        Math.min(latencies.length - 1, Math.floor(q * latencies.length))
      ] ?? 0
    ).toFixed(2);
  const perSecond = Math.round(
    (subscriberCount * updateCount) / seconds,
  ).toLocaleString('en-US');
  return `NATS: publish → last subscriber has it: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; ${perSecond} deliveries/s`;
}

/** Lesson 06's own fan-out measurement, against lesson 06's daemon. */
async function lesson06FanOut(): Promise<string> {
  const socketPath = join(dir, '06.sock');
  const { server } = await startServer(
    node('06-subscriptions/server.ts', ['--socket', socketPath]),
    [],
  );
  const [program = '', ...args] = node('06-subscriptions/fanout.ts', [
    '--socket',
    socketPath,
    '--subscribers',
    String(subscriberCount),
    '--updates',
    String(updateCount),
  ]);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await once(child, 'close');
  await stopServer(server);
  return `lesson 06: ${output.trim().split('\n').slice(-2).join(';').replace(/\s+/g, ' ')}`;
}
// #endregion fanout

try {
  console.log(
    `${count} pings per run, ${inFlight} in flight when pipelined; nats-server at ${flags.server}\n`,
  );
  await unixSocket();
  await natsLoopback();
  const byName = new Map(lines.map((line) => [line.name, line]));
  const ratio = (a: string, b: string): string =>
    (
      (byName.get(a)?.perSecond ?? NaN) / (byName.get(b)?.perSecond ?? NaN)
    ).toFixed(1);
  console.log(
    `\nunix socket ÷ NATS: strict ${ratio('unix socket, strict', 'NATS loopback, strict')}×, pipelined ${ratio('unix socket, pipelined', 'NATS loopback, pipelined')}×`,
  );
  console.log(
    `\nfan-out to ${subscriberCount} subscribers, ${updateCount} updates one after another:`,
  );
  console.log(`  ${await natsFanOut()}`);
  console.log(`  ${await lesson06FanOut()}`);
} catch (error) {
  fail(`bench: ${errorMessage(error)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
