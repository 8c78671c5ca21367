/**
 * Lesson 11 · the bridge: lesson 06's rally daemon, unchanged, on NATS subjects.
 *
 * The LibIPC talk's protocol daemon (TCPd) idea: services stay local, on Unix
 * sockets, and one small process carries their messages to the network. The bridge
 * is a lesson 06 client on one side and a NATS client on the other:
 *
 *   rally.requests  ← {"type":"ping"} or {"type":"get"}   answered with the daemon's reply
 *   rally.updates   → {"type":"update","count":4}         one message per change
 *
 * Bytes from the network never reach the daemon as they came: each request is
 * parsed with lesson 06's parser and encoded again, so a payload with a newline in
 * it cannot smuggle a second request onto the socket.
 */
import net from 'node:net';
import { errorMessage, parseCli } from '../common/cli.ts';
import { connectOrExit as connectToDaemonOrExit } from '../01-unix-socket/socket-file.ts';
import {
  checkOwnSocket,
  defaultSocketPath,
} from '../01-unix-socket/runtime-dir.ts';
import { readLines } from '../04-bidirectional/lines.ts';
import {
  encode,
  parseReply,
  parseRequest,
  type Reply,
} from '../06-subscriptions/messages.ts';
import { RALLY_REQUESTS, RALLY_UPDATES } from './subjects.ts';
import {
  connectOrExit,
  drainOnSignals,
  logConnectionChanges,
  serverFlag,
} from './nats-connection.ts';

/** A rally request is a few bytes of JSON; the bridge refuses bigger ones before parsing. */
export const MAX_REQUEST_BYTES = 1024;
/** Requests sent to the daemon and not answered yet; past this the bridge says it is busy. */
const MAX_IN_FLIGHT = 1000;
const RETRY_MS = 500;

const flags = parseCli({
  usage: 'npx tsx demos/11-beyond-one-machine/bridge.ts',
  summary:
    'Exposes the lesson 06 rally daemon on NATS: requests on rally.requests, every change on rally.updates.',
  flags: {
    server: serverFlag,
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('06'),
      description: "the rally daemon's socket file",
    },
  },
});
const startHint = 'npx tsx demos/06-subscriptions/server.ts';

const nats = await connectOrExit(flags.server, 'rally bridge');
void logConnectionChanges(nats);

// #region daemon
let daemon: net.Socket | undefined; // connected and subscribed, or undefined
let stopping = false;
/** Who gets the daemon's next reply: it answers one request at a time, in order. */
const owed: Array<(reply: Reply) => void> = [];

/** Subscribes on a fresh connection to the daemon, and carries its lines to NATS. */
function bridgeDaemon(socket: net.Socket): void {
  socket.write(encode({ type: 'subscribe' })); // we are one of the daemon's subscribers
  readLines(socket, (line) => {
    const parsed = parseReply(line);
    if (!parsed.ok)
      return console.log(
        `the daemon sent a line I do not understand (${parsed.error})`,
      );
    const reply = parsed.message;
    // What goes on is the checked message, encoded again, never the raw line.
    if (reply.type === 'update') publishUpdate(JSON.stringify(reply));
    else if (daemon === socket) owed.shift()?.(reply);
    else if (reply.type === 'subscribed') {
      daemon = socket; // the answer to our subscribe: from now on we forward requests
      console.log(
        `rally bridge listening on ${RALLY_REQUESTS}, publishing ${RALLY_UPDATES} (daemon ${flags.socket}, count ${reply.count}) via ${nats.getServer()}`,
      );
    }
  });
  socket.on('error', () => {}); // ECONNREFUSED, ECONNRESET...: 'close' follows and retries
  socket.on('close', () => {
    if (daemon === socket) {
      daemon = undefined;
      if (!stopping)
        console.log(`the daemon went away; reconnecting every ${RETRY_MS} ms`);
      for (const answer of owed.splice(0))
        answer(
          problem('the rally daemon went away before answering: ask again'),
        );
    }
    if (!stopping) setTimeout(reconnect, RETRY_MS);
  });
}

/** Once bridging, outlive a daemon restart: knock again until a daemon (ours) answers. */
function reconnect(): void {
  try {
    checkOwnSocket(flags.socket); // a new file at the path may not be a daemon we trust
  } catch (error) {
    console.log(`not reconnecting: ${errorMessage(error)}`);
    return void setTimeout(reconnect, RETRY_MS);
  }
  bridgeDaemon(net.connect(flags.socket));
}

function publishUpdate(update: string): void {
  try {
    nats.publish(RALLY_UPDATES, update); // buffered by the client while it reconnects (8 MiB)
  } catch (error) {
    console.log(`update lost, NATS unreachable: ${errorMessage(error)}`);
  }
}
// #endregion daemon

const problem = (message: string): Reply => ({ type: 'error', message });

// #region requests
nats.subscribe(RALLY_REQUESTS, {
  callback: (error, message) => {
    if (error) return console.log(`subscription ended: ${error.message}`);
    if (!message.reply)
      return console.log(
        'a request published without a reply subject: nobody to answer',
      );
    const answer = (reply: Reply): void =>
      void message.respond(JSON.stringify(reply));
    if (message.data.length > MAX_REQUEST_BYTES) {
      return answer(
        problem(
          `request of ${message.data.length} bytes refused: a rally request is at most ${MAX_REQUEST_BYTES}`,
        ),
      );
    }
    const parsed = parseRequest(message.string());
    if (!parsed.ok) return answer(problem(parsed.error));
    const request = parsed.message;
    if (request.type === 'subscribe' || request.type === 'unsubscribe') {
      return answer(
        problem(
          `no need to ${request.type} here: subscribe to the NATS subject ${RALLY_UPDATES}`,
        ),
      );
    }
    if (!daemon)
      return answer(
        problem(
          `the rally daemon at ${flags.socket} is not running; the bridge keeps trying`,
        ),
      );
    if (owed.length >= MAX_IN_FLIGHT)
      return answer(
        problem(
          `${MAX_IN_FLIGHT} requests are waiting for the daemon: try again shortly`,
        ),
      );
    owed.push(answer);
    daemon.write(encode(request)); // re-encoded: exactly one line per request
  },
});
// #endregion requests

await nats.flush(); // our SUB is in place before we say we are ready
// At start, fail like any lesson 06 client: one line saying what to start.
bridgeDaemon(await connectToDaemonOrExit(flags.socket, startHint));
drainOnSignals(nats, (signal) => {
  stopping = true;
  daemon?.destroy();
  return `${signal}: the bridge stops; the daemon carries on without it`;
});
