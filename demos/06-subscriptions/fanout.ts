/**
 * Lesson 06 · measuring fan-out: how long until the last of N subscribers hears of a ping?
 *
 * Opens N subscriber connections to a running, otherwise idle daemon, then sends
 * pings one after another. For each ping it takes the time from sending it until
 * every subscriber has received the matching update, and prints the median (p50),
 * the 99th percentile (p99) and the deliveries per second. Everything runs in this one
 * process, so the time includes reading and parsing N lines here, not only the
 * daemon's N write()s.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { errorMessage, fail, parseCli, parseInteger } from '../common/cli.ts';
import {
  checkSocketPath,
  explainConnectError,
} from '../01-unix-socket/socket-file.ts';
import {
  checkOwnSocket,
  defaultSocketPath,
} from '../01-unix-socket/runtime-dir.ts';
import { LineQueue, readLines } from '../04-bidirectional/lines.ts';
import { encode, parseReply } from './messages.ts';

const flags = parseCli({
  usage: 'npx tsx demos/06-subscriptions/fanout.ts',
  summary:
    'Opens many subscribers to a running daemon, pings it, and prints fan-out latency and deliveries/s.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('06'),
      description: "the daemon's socket file",
    },
    subscribers: {
      type: 'string',
      valueName: 'N',
      default: '1000',
      description: 'how many subscribers to open',
    },
    updates: {
      type: 'string',
      valueName: 'N',
      default: '100',
      description: 'how many pings to time, one after another',
    },
  },
});
const subscriberCount = parseInteger(
  flags.subscribers,
  'subscribers',
  1,
  10_000,
);
const updateCount = parseInteger(flags.updates, 'updates', 1, 100_000);
const startHint = 'npx tsx demos/06-subscriptions/server.ts';

/** Called with each count a subscriber receives (the `subscribed` count, then every update). */
type OnCount = (count: number) => void;

// #region open
/**
 * connect(), knocking again if the accept queue is full: on a Unix socket a full
 * queue makes connect() fail at once with EAGAIN (lesson 05) instead of waiting.
 */
function connectPatiently(attempt = 1): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(flags.socket);
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EAGAIN' || attempt >= 50) return reject(error);
      setTimeout(
        () => connectPatiently(attempt + 1).then(resolve, reject),
        10 * attempt,
      );
    });
  });
}

/** A connection that subscribes and reports every count it hears; resolves once subscribed. */
async function openSubscriber(onCount: OnCount): Promise<net.Socket> {
  const socket = await connectPatiently();
  return new Promise((resolve) => {
    readLines(socket, (line) => {
      const reply = parseReply(line);
      if (!reply.ok) return;
      if (reply.message.type === 'subscribed') resolve(socket);
      if (
        reply.message.type === 'subscribed' ||
        reply.message.type === 'update'
      )
        onCount(reply.message.count);
    });
    socket.write(encode({ type: 'subscribe' }));
  });
}
// #endregion open

// Each update still travelling, by its count: how many subscribers have yet to receive it.
const waiting = new Map<number, { left: number; done: () => void }>();
const onCount: OnCount = (count) => {
  const entry = waiting.get(count);
  if (entry && --entry.left === 0) entry.done();
};

// Lesson 01's owner check, once before the thousand connects.
try {
  checkSocketPath(flags.socket);
  checkOwnSocket(flags.socket);
} catch (error) {
  fail(errorMessage(error));
}

try {
  const subscribers: net.Socket[] = [];
  // In batches of 100: quick, and gentle on the daemon's accept queue.
  for (let opened = 0; opened < subscriberCount; opened += 100) {
    const batch = Math.min(100, subscriberCount - opened);
    subscribers.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => openSubscriber(onCount)),
      )),
    );
  }
  console.log(
    `${subscribers.length} subscribers connected; timing ${updateCount} pings`,
  );

  // #region measure
  const pinger = await connectPatiently();
  const replies = new LineQueue(pinger);
  const countNow = async (): Promise<number> => {
    const reply = parseReply((await replies.next()) ?? '');
    if (!reply.ok || !('count' in reply.message))
      throw new Error(
        `unexpected reply: ${reply.ok ? reply.message.type : reply.error}`,
      );
    return reply.message.count;
  };
  pinger.write(encode({ type: 'get' }));
  const startCount = await countNow();

  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 1; i <= updateCount; i++) {
    const delivered = new Promise<void>((done) =>
      waiting.set(startCount + i, { left: subscriberCount, done }),
    );
    const sent = performance.now();
    pinger.write(encode({ type: 'ping' }));
    await Promise.all([delivered, countNow()]); // every subscriber has it, and our pong is read
    latencies.push(performance.now() - sent);
  }
  const seconds = (performance.now() - started) / 1000;
  // #endregion measure

  latencies.sort((a, b) => a - b);
  const percentile = (p: number): number =>
    latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  const deliveries = subscriberCount * updateCount;
  console.log(
    `fan-out to ${subscriberCount} subscribers, ${updateCount} updates one after another:`,
  );
  console.log(
    `  ping → last subscriber has it: p50 ${percentile(50).toFixed(2)} ms, p99 ${percentile(99).toFixed(2)} ms, max ${percentile(100).toFixed(2)} ms`,
  );
  console.log(
    `  ${deliveries} deliveries in ${seconds.toFixed(2)} s: ${Math.round(deliveries / seconds)} deliveries/s`,
  );
  for (const socket of [...subscribers, pinger]) socket.destroy();
  process.exit(0);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code)
    fail(
      explainConnectError(
        error as NodeJS.ErrnoException,
        flags.socket,
        startHint,
      ),
    );
  fail(
    `fanout: ${errorMessage(error)} (is another client pinging the same daemon?)`,
  );
}
