/**
 * Lesson 03: "nothing yet" is an answer.
 *
 * A polling loop. Every pass asks, without waiting: is there a new connection?
 * Has any client sent something? Either answer is fine, "nothing yet" included,
 * so the loop always gets round to its other work (the tick). Then it naps for
 * --interval milliseconds and asks again. Clients no longer wait for each other.
 *
 * In C the "without waiting" comes from O_NONBLOCK: accept() and recv() return
 * -1 with errno EAGAIN (also spelled EWOULDBLOCK) instead of sleeping. In Node,
 * libuv does that part for us; what our JavaScript sees is a queue of accepted
 * connections that may be empty, and socket.read() returning null.
 */
import net from 'node:net';
import {
  setImmediate as nextTurn,
  setTimeout as nap,
} from 'node:timers/promises';
import { orExit, parseCli, parseInteger } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { quote } from '../01-unix-socket/quote.ts';

const flags = parseCli({
  usage: 'npx tsx demos/03-non-blocking/server.ts',
  summary:
    'A polling loop: each pass takes a new client if there is one, reads each client if it sent anything, ticks, naps.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('03'),
      description: 'socket file to listen on',
    },
    interval: {
      type: 'string',
      valueName: 'MS',
      default: '500',
      description:
        'milliseconds to nap between passes (0: only yield to the event loop)',
    },
    quiet: {
      type: 'boolean',
      description: 'print only the passes where something happened',
    },
  },
});
const intervalMs = parseInteger(flags.interval, 'interval', 0, 60_000);

/** Longest piece of a message we echo to the terminal. */
const SHOWN_BYTES = 200;

// #region setup
const server = net.createServer();
/**
 * Connections libuv has already accepted but our loop has not taken yet. libuv
 * calls accept4() only once epoll says a connection is waiting, then emits
 * 'connection'; our loop takes them from here at its own pace.
 */
const acceptQueue: net.Socket[] = [];
/** The clients our loop has taken, and the number it gave each. */
const clients = new Map<net.Socket, number>();

server.on('connection', (socket) => {
  socket.on('error', () => {}); // a reset shows up below as a destroyed socket
  acceptQueue.push(socket);
});
await orExit(listenOnSocketFile(server, flags.socket));
const startedAt = performance.now();
const startedCpu = process.cpuUsage();
let passes = 0;
const everyone = {
  *[Symbol.iterator]() {
    yield* acceptQueue;
    yield* clients.keys();
  },
};
closeOnSignals(server, everyone, {
  beforeExit: () => console.log(cpuReport()),
});
console.log(
  `non-blocking server listening on ${flags.socket} (a pass every ${intervalMs} ms)`,
);
// #endregion setup

// #region loop
let clientsSoFar = 0;
for (;;) {
  passes += 1;
  const seen: string[] = [];

  // #region loop-accept
  // A non-blocking accept, the way a C loop does it: take every waiting
  // connection, until the answer is "nothing yet" (EAGAIN).
  const newcomers = acceptQueue.splice(0).map((socket) => {
    clients.set(socket, ++clientsSoFar);
    return clientsSoFar;
  });
  if (newcomers.length === 0) seen.push('accept: nothing yet');
  else seen.push(`accept: ${names(newcomers)} connected`);
  // #endregion loop-accept
  // #region loop-read
  // A non-blocking read of every client, newcomers included.
  const silent: number[] = [];
  for (const [socket, id] of clients) {
    const said = readNow(socket);
    if (said === 'nothing yet') silent.push(id);
    else seen.push(`client ${id}: ${said}`);
  }
  if (silent.length > 0) seen.push(`${names(silent)}: nothing yet`);
  // #endregion loop-read

  // The loop's other work happens on every pass, whatever the clients do.
  if (!flags.quiet || seen.some((part) => !part.endsWith('nothing yet'))) {
    console.log(`tick ${passes} | ${seen.join(' | ')}`);
  }
  // Yield so the event loop can run (libuv reads the sockets, signals arrive), then go again.
  await (intervalMs === 0 ? nextTurn() : nap(intervalMs));
}
// #endregion loop

// #region read
/** What one client has to say right now: its bytes, "left", or "nothing yet". */
function readNow(socket: net.Socket): string {
  // read() hands over whatever libuv has already pulled from the kernel, or null:
  // JavaScript's "nothing yet". It never waits.
  const chunk = socket.read() as Buffer | null;
  if (chunk !== null) {
    // #region shown-bytes
    const more =
      chunk.length > SHOWN_BYTES
        ? ` (+${chunk.length - SHOWN_BYTES} more bytes)`
        : '';
    // quote() (lesson 01) escapes what a client sent: no control characters reach the terminal.
    const text = chunk.subarray(0, SHOWN_BYTES).toString('utf8').trim();
    return quote(text) + more;
    // #endregion shown-bytes
  }
  // null for good: the client hung up (read() at end of stream also queues 'end').
  if (socket.readableEnded || socket.destroyed) {
    clients.delete(socket);
    socket.destroy();
    return 'left';
  }
  return 'nothing yet';
}
// #endregion read

/** "client 3", "client 3, client 5", or "8 clients (3 … 12)": short, however many. */
function names(ids: number[]): string {
  if (ids.length <= 3) return ids.map((id) => `client ${id}`).join(', ');
  return `${ids.length} clients (${ids[0]} … ${ids.at(-1)})`;
}

/** How much CPU the loop has burnt since it started listening: the price of polling. */
function cpuReport(): string {
  const used = process.cpuUsage(startedCpu);
  const cpuMs = (used.user + used.system) / 1000;
  const wallMs = performance.now() - startedAt;
  return `${passes} passes, ${Math.round(cpuMs)} ms of CPU in ${Math.round(wallMs)} ms (${((100 * cpuMs) / wallMs).toFixed(1)}%)`;
}
