/**
 * Lesson 05's client: N connections at once, each doing M ping/pongs, all in one
 * thread. Every ping carries a tag naming its connection and turn (`ping c7-3`),
 * so a pong delivered on the wrong connection would show.
 *
 *   npx tsx demos/05-poll/client.ts --clients 1000 --count 10
 *   npx tsx demos/05-poll/client.ts --clients 2 --hold    (stay connected until Enter or Ctrl-C)
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, fail, parseCli, parseInteger } from '../common/cli.ts';
import { LineQueue } from '../04-bidirectional/lines.ts';
import {
  checkSocketPath,
  explainConnectError,
} from '../01-unix-socket/socket-file.ts';
import {
  checkOwnSocket,
  defaultSocketPath,
} from '../01-unix-socket/runtime-dir.ts';
import { waitUntilToldToLeave } from '../02-blocking/hold.ts';

const flags = parseCli({
  usage: 'npx tsx demos/05-poll/client.ts',
  summary:
    'Opens N connections at once; each sends M tagged pings and checks every pong.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('05'),
      description: 'socket file to connect to',
    },
    clients: {
      type: 'string',
      short: 'n',
      valueName: 'N',
      default: '3',
      description: 'connections to open at once',
    },
    count: {
      type: 'string',
      short: 'c',
      valueName: 'M',
      default: '3',
      description: 'ping/pongs per connection',
    },
    interval: {
      type: 'string',
      valueName: 'MS',
      default: '0',
      description: 'pause between one pong and the next ping',
    },
    retries: {
      type: 'string',
      valueName: 'R',
      default: '6',
      description:
        'retries of a connect refused with EAGAIN (full accept queue)',
    },
    timeout: {
      type: 'string',
      valueName: 'MS',
      default: '30000',
      description: 'give up on a connection that hears nothing for this long',
    },
    hold: {
      type: 'boolean',
      description:
        'after the pings, keep every connection open until you press Enter or Ctrl-C',
    },
    verbose: {
      type: 'boolean',
      short: 'v',
      description: 'print every ping and pong',
    },
  },
});
const clientCount = parseInteger(flags.clients, 'clients', 1, 100_000);
const pingCount = parseInteger(flags.count, 'count', 1);
const interval = parseInteger(flags.interval, 'interval', 0);
const retries = parseInteger(flags.retries, 'retries', 0, 20);
const timeout = parseInteger(flags.timeout, 'timeout', 1);
const startHint = 'npx tsx demos/05-poll/server.ts';

const totals = { retried: 0, pongs: 0, wrong: 0, silent: 0 };
/** Connections that never got through, by error code, with the first error of each kind. */
const failures = new Map<
  string,
  { count: number; error: NodeJS.ErrnoException }
>();
let refusal: string | undefined; // the server's "error server full ..." line, if it sent one

// #region connect-retry
/**
 * A non-blocking connect() on a Unix socket (libuv's always are) never waits for
 * room in the server's accept queue: when the queue is full it fails at once with
 * EAGAIN. Wait a little and try again, a bit longer each time, with jitter so a
 * thousand retries do not come back as one burst.
 */
async function connectWithRetry(path: string): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectOnce(path);
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code !== 'EAGAIN' ||
        attempt >= retries
      )
        throw error;
      totals.retried += 1;
      await sleep(10 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}

/** Resolves on 'connect': the kernel has queued us. The server may not have accept()ed yet. */
function connectOnce(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
// #endregion connect-retry

// #region conversation
/** An open connection, reading from its first moment so no line is missed. */
interface Connection {
  socket: net.Socket;
  lines: LineQueue;
}

/** Connects, or counts why it could not; resolves undefined for a connection that failed. */
async function open(): Promise<Connection | undefined> {
  try {
    const socket = await connectWithRetry(flags.socket);
    socket.on('error', () => {}); // a reset ends the conversation: lines.next() resolves undefined
    // A pong that never comes (a stuck server, or one that sent it elsewhere) must not hang us.
    socket.setTimeout(timeout + interval, () => {
      totals.silent += 1;
      socket.destroy();
    });
    return { socket, lines: new LineQueue(socket) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const failure = failures.get(code) ?? {
      count: 0,
      error: error as NodeJS.ErrnoException,
    };
    failures.set(code, { ...failure, count: failure.count + 1 });
    return undefined;
  }
}

/** One connection's conversation: M tagged ping/pongs. */
async function converse(
  { socket, lines }: Connection,
  id: number,
): Promise<void> {
  for (let turn = 1; turn <= pingCount; turn++) {
    const tag = `c${id}-${turn}`;
    socket.write(`ping ${tag}\n`);
    const line = await lines.next();
    if (flags.verbose)
      console.log(`connection ${id}: ping ${tag} → ${line ?? '(closed)'}`);
    if (line === `pong ${tag}`) totals.pongs += 1;
    else if (line?.startsWith('error server full')) refusal = line;
    else if (line?.startsWith('pong')) totals.wrong += 1; // a pong meant for another connection
    if (line !== `pong ${tag}`) break;
    if (interval > 0 && turn < pingCount) await sleep(interval);
  }
}

/** Hang up: half-close, so the server reads end of stream and closes its side. */
async function hangUp({ socket }: Connection): Promise<void> {
  socket.end();
  if (!socket.closed)
    await new Promise((resolve) => socket.once('close', resolve));
}
// #endregion conversation

// #region main
const plural = (count: number, word: string): string =>
  `${count} ${word}${count === 1 ? '' : 's'}`;
console.log(
  `opening ${plural(clientCount, 'connection')} to ${flags.socket}, ${plural(pingCount, 'ping')} each`,
);
// Lesson 01's owner check, once for the whole burst: is that socket file ours?
try {
  checkSocketPath(flags.socket);
  checkOwnSocket(flags.socket);
} catch (error) {
  fail(errorMessage(error));
}
const started = performance.now();
// Every connect() is issued in this one synchronous loop: a real burst.
const connections = await Promise.all(
  Array.from({ length: clientCount }, () => open()),
);
const connected = connections.filter(
  (connection) => connection !== undefined,
).length;
const connectMs = (performance.now() - started).toFixed(0);
if (connected === 0) reportFailures(); // nothing to ping: say why and stop
console.log(
  `connections: ${connected} connected, ${clientCount - connected} failed, ${totals.retried} retries after EAGAIN (${connectMs} ms)`,
);

await Promise.all(
  connections.map((connection, index) =>
    connection ? converse(connection, index + 1) : undefined,
  ),
);
const seconds = ((performance.now() - started) / 1000).toFixed(3);
const mixUps =
  totals.wrong > 0
    ? `, ${totals.wrong} ON THE WRONG CONNECTION`
    : totals.pongs > 0
      ? ', all on the right connection'
      : '';
console.log(
  `pongs: ${totals.pongs} of ${clientCount * pingCount}${mixUps}, in ${seconds} s`,
);
const opened = connections.filter((connection) => connection !== undefined);
if (flags.hold && !refusal) {
  // Lesson 02's hold: stay connected and silent, counted by the server, until told to go.
  for (const { socket } of opened) socket.setTimeout(0); // silence is the point now
  console.log(
    `holding ${plural(connected, 'connection')} open (press Enter or Ctrl-C to leave)`,
  );
  console.log(`${await waitUntilToldToLeave()}: leaving`);
}
await Promise.all(opened.map(hangUp));

if (refusal)
  fail(
    `the server refused a connection: ${refusal} (wait for clients to leave, or restart it with a higher --max-clients)`,
  );
reportFailures();
if (totals.wrong > 0)
  fail(
    `${plural(totals.wrong, 'pong')} came back on the wrong connection: the server mixed up its clients`,
  );
if (totals.silent > 0)
  fail(
    `${plural(totals.silent, 'connection')} heard nothing for ${timeout} ms: is the server stuck, or stopped (kill -STOP)?`,
  );
if (totals.pongs !== clientCount * pingCount)
  fail('missing pongs: the server closed connections early (see its log)');
// #endregion main

/** One line naming every kind of connect failure, with what to do about each. */
function reportFailures(): void {
  if (failures.size === 0) return;
  const kinds = [...failures].map(([code, { count, error }]) => {
    const advice =
      code === 'EAGAIN' ? " (raise --retries, or the server's --backlog)" : '';
    return `${plural(count, 'connection')} failed: ${explainConnectError(error, flags.socket, startHint)}${advice}`;
  });
  fail(kinds.join('; '));
}
