/**
 * Lesson 06 · the watcher: subscribe, print every change, and outlive the daemon.
 *
 * Like the GUI that shows the mixer's volume, it keeps one connection open and
 * lets the daemon push updates. When the daemon goes away (a restart, a crash) the
 * watcher does not exit: it retries with growing pauses until a daemon answers
 * again, then subscribes again. A session client lives that way: always either
 * connecting or connected, until told to stop (SIGINT, SIGTERM or SIGHUP, exit 0).
 *
 * Every reconnect is a new chance for someone else to answer, so each one checks
 * the socket file's owner again (lesson 01), and a daemon that accepts but never
 * says `subscribed` is given up on after --reply-timeout-ms.
 */
import net from 'node:net';
import { errorMessage, parseCli, parseInteger } from '../common/cli.ts';
import {
  checkSocketPath,
  explainConnectError,
} from '../01-unix-socket/socket-file.ts';
import {
  checkOwnSocket,
  defaultSocketPath,
} from '../01-unix-socket/runtime-dir.ts';
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
    'reply-timeout-ms': {
      type: 'string',
      valueName: 'MS',
      default: '3000',
      description: 'give up on a daemon that does not confirm the subscription',
    },
  },
});
const maxRetryMs = parseInteger(flags['max-retry-ms'], 'max-retry-ms', 1);
const replyTimeoutMs = parseInteger(
  flags['reply-timeout-ms'],
  'reply-timeout-ms',
  1,
);
const firstRetryMs = Math.min(100, maxRetryMs);
/** How long a subscription must last before the next outage starts the backoff afresh. */
const steadyMs = 10_000;
const startHint = 'npx tsx demos/06-subscriptions/server.ts';

let retryMs = firstRetryMs;
let lastCount: number | undefined; // what we last saw, to notice a daemon that started over
let current: net.Socket | undefined;

// #region connect
function connect(): void {
  try {
    checkSocketPath(flags.socket);
    checkOwnSocket(flags.socket); // again on every reconnect: who is there now?
  } catch (error) {
    console.log(`${errorMessage(error)} (not connecting; will check again)`);
    return retryLater();
  }
  const socket = net.connect(flags.socket);
  current = socket;
  let subscribed = false;
  // A daemon that accepts but never answers would hold us forever: give up on it.
  socket.setTimeout(replyTimeoutMs, () => {
    console.log(`no reply within ${replyTimeoutMs} ms: hanging up`);
    socket.destroy();
  });
  let steady: NodeJS.Timeout | undefined;
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
      socket.setTimeout(0); // from now on silence is normal: nobody pings
      // Only a subscription that lasts resets the backoff: one that fails at once must not.
      steady = setTimeout(() => (retryMs = firstRetryMs), steadyMs);
      const restarted = lastCount !== undefined && message.count < lastCount;
      console.log(
        `subscribed: count is ${message.count}${restarted ? ' (a new daemon: the count lives in its memory and started over)' : ''}`,
      );
      lastCount = message.count;
    } else if (message.type === 'update') {
      console.log(`update: count is ${message.count}`);
      lastCount = message.count;
    } else if (message.type === 'error') {
      console.log(`the daemon says: ${JSON.stringify(message.message)}`);
    }
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (subscribed) console.log(`connection lost: ${error.message}`);
    else console.log(explainConnectError(error, flags.socket, startHint));
  });
  socket.on('close', () => {
    clearTimeout(steady);
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

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopped watching`);
    current?.destroy();
    process.exit(0);
  });
}

connect();
