/**
 * Lesson 06 · the watcher: subscribe, print every change, and outlive the daemon.
 *
 * Like the GUI that shows the mixer's volume, it keeps one connection open and
 * lets the daemon push updates. When the daemon goes away (a restart, a crash) the
 * watcher does not exit: it retries with growing pauses until a daemon answers
 * again, then subscribes again. A session client lives that way: always either
 * connecting or connected, until told to stop (SIGINT or SIGTERM, exit 0).
 */
import net from 'node:net';
import { parseCli, parseInteger } from '../common/cli.ts';
import { explainConnectError } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { readLines } from '../04-bidirectional/lines.ts';
import { encode, parseReply } from './messages.ts';

const flags = parseCli({
  usage: 'npx tsx demos/06-subscriptions/watch.ts',
  summary:
    'Subscribes to the rally daemon and prints every change; reconnects and resubscribes if it goes away.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('06'),
      description: "the daemon's socket file",
    },
    'max-retry-ms': {
      type: 'string',
      valueName: 'MS',
      default: '5000',
      description: 'the longest pause between reconnect attempts',
    },
  },
});
const maxRetryMs = parseInteger(flags['max-retry-ms'], 'max-retry-ms', 1);
const firstRetryMs = Math.min(100, maxRetryMs);

let retryMs = firstRetryMs;
let lastCount: number | undefined; // what we last saw, to notice a daemon that started over
let current: net.Socket | undefined;

// #region connect
function connect(): void {
  const socket = net.connect(flags.socket);
  current = socket;
  let subscribed = false;
  socket.once('connect', () => {
    console.log(`connected to ${flags.socket}, subscribing`);
    socket.write(encode({ type: 'subscribe' }));
  });
  readLines(socket, (line) => {
    const reply = parseReply(line);
    if (!reply.ok)
      return console.log(
        `ignoring a line I do not understand (${reply.error})`,
      );
    const message = reply.message;
    if (message.type === 'subscribed') {
      subscribed = true;
      retryMs = firstRetryMs; // a daemon answered: the next outage starts the backoff afresh
      const restarted = lastCount !== undefined && message.count < lastCount;
      console.log(
        `subscribed: count is ${message.count}${restarted ? ' (a new daemon: the count lives in its memory and started over)' : ''}`,
      );
      lastCount = message.count;
    } else if (message.type === 'update') {
      console.log(`update: count is ${message.count}`);
      lastCount = message.count;
    } else if (message.type === 'error') {
      console.log(`the daemon says: ${message.message}`);
    }
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (subscribed) console.log(`connection lost: ${error.message}`);
    else
      console.log(
        explainConnectError(
          error,
          flags.socket,
          'npx tsx demos/06-subscriptions/server.ts',
        ),
      );
  });
  socket.on('close', () => {
    if (subscribed) console.log('the daemon went away');
    retryLater();
  });
}
// #endregion connect

// #region backoff
/**
 * Exponential backoff: wait 100 ms, then 200, 400... up to --max-retry-ms. A daemon
 * that is restarting is back soon; one that is down for good is not hammered with
 * connect() calls. The random part spreads out many watchers that lost the same
 * daemon at the same moment, so they do not all knock at once when it returns.
 */
function retryLater(): void {
  const delay = Math.round(retryMs / 2 + (Math.random() * retryMs) / 2);
  console.log(`reconnecting in ${delay} ms`);
  setTimeout(connect, delay);
  retryMs = Math.min(retryMs * 2, maxRetryMs);
}
// #endregion backoff

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopped watching`);
    current?.destroy();
    process.exit(0);
  });
}

connect();
