/**
 * Lesson 06 · the rally daemon: state that clients read, change and watch.
 *
 * The daemon counts pings. Any client may `ping` (the count goes up), `get` the
 * count, or `subscribe` to be told of every change until it `unsubscribe`s or leaves.
 * It is the shape of a mixer daemon whose volume a CLI sets and a GUI displays.
 * Messages are NDJSON, typed and checked in messages.ts.
 *
 * Pushing updates is where a server meets clients it does not control. One that
 * stops reading must not make the daemon's memory grow: a client that asks faster
 * than it reads is paused, and a subscriber whose unsent updates pass a cap is dropped.
 */
import net from 'node:net';
import { orExit, parseCli, parseInteger } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { readLines } from '../04-bidirectional/lines.ts';
import { encode, parseRequest, type Reply } from './messages.ts';
import { Backlog } from './backlog.ts';

const flags = parseCli({
  usage: 'npx tsx demos/06-subscriptions/server.ts',
  summary:
    'Counts pings; clients ping, get the count, or subscribe to every change (NDJSON on a Unix socket).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('06'),
      description: 'the socket file to listen on',
    },
    'max-queue-bytes': {
      type: 'string',
      valueName: 'BYTES',
      default: String(256 * 1024),
      description: 'drop a subscriber once this many bytes wait unsent to it',
    },
  },
});
const maxQueueBytes = parseInteger(
  flags['max-queue-bytes'],
  'max-queue-bytes',
  64,
);

// #region state
/** One connection, and the number the logs call it by. */
interface Client {
  id: number;
  socket: net.Socket;
  /** Set while its socket is backed up: the lines that wait for 'drain' (see write()). */
  backlog?: Backlog;
}

let count = 0; // the state: it lives in this process's memory and dies with it
const clients = new Set<net.Socket>(); // everyone connected
const subscribers = new Set<Client>(); // the clients that asked for every update
let clientsSoFar = 0;
// #endregion state

// #region connection
const server = net.createServer((socket) => {
  const client: Client = { id: ++clientsSoFar, socket };
  clients.add(socket);
  console.log(`client ${client.id} connected (${clients.size} connected)`);
  readLines(socket, (line) => handle(client, line), {
    onTooLong: (error) => {
      send(client, { type: 'error', message: `${error.message}: closing` });
      socket.end();
    },
  });
  // EPIPE or ECONNRESET from a client that vanished: 'close' follows and cleans up.
  socket.on('error', (error) =>
    console.log(`client ${client.id}: ${error.message}`),
  );
  socket.on('close', () => {
    clients.delete(socket);
    subscribers.delete(client); // leaving ends every subscription it had
    console.log(
      `client ${client.id} disconnected (${clients.size} connected, ${subscribers.size} subscribed)`,
    );
  });
});
// #endregion connection

// #region handle
function handle(client: Client, line: string): void {
  if (line.trim() === '') return; // a stray Enter in socat is not worth an error
  const parsed = parseRequest(line);
  if (!parsed.ok) return send(client, { type: 'error', message: parsed.error }); // and the connection stays
  const request = parsed.message;
  switch (request.type) {
    case 'ping':
      count += 1;
      send(client, { type: 'pong', count });
      return publish({ type: 'update', count });
    // #region other-requests
    case 'get':
      return send(client, { type: 'count', count });
    case 'subscribe':
      return subscribe(client);
    case 'unsubscribe':
      return unsubscribe(client);
    // #endregion other-requests
    default:
      request satisfies never; // a new request type without a case here fails to compile
  }
}
// #endregion handle

// #region subscribe
// Join and learn the current value in one step. Nothing can happen between the
// two: this loop runs one request at a time, so no update slips past.
function subscribe(client: Client): void {
  subscribers.add(client);
  console.log(
    `client ${client.id} subscribed (${subscribers.size} subscribed)`,
  );
  send(client, { type: 'subscribed', count });
}

function unsubscribe(client: Client): void {
  subscribers.delete(client);
  console.log(
    `client ${client.id} unsubscribed (${subscribers.size} subscribed)`,
  );
  send(client, { type: 'unsubscribed' });
}
// #endregion subscribe

// #region send
function send(client: Client, message: Reply): void {
  write(client, encode(message));
}

/**
 * socket.write() never refuses. What the kernel cannot take now (write() fails
 * with EAGAIN) waits in Node's queue, socket.writableLength bytes, as one request
 * per call: for a 32-byte line that costs five times the line. So once write()
 * returns false we keep the client's lines in a Backlog (backlog.ts), joined,
 * and read no more of its requests (each would add a reply to the pile) until
 * 'drain' says the kernel took Node's queue.
 */
function write(client: Client, line: string): void {
  const { socket, backlog } = client;
  if (socket.destroyed) return;
  if (backlog) backlog.add(line);
  else if (!socket.write(line)) fallBehind(client);
}

function fallBehind(client: Client): void {
  const { socket } = client;
  client.backlog = new Backlog();
  socket.pause();
  console.log(
    `client ${client.id} is falling behind (${socket.writableLength} bytes queued)`,
  );
  socket.once('drain', () => catchUp(client));
}

/** Drained: hand over the backlog in a few big writes; resume reading if they all fit. */
function catchUp(client: Client): void {
  const { socket, backlog } = client;
  client.backlog = undefined;
  let roomForMore = true;
  for (const block of backlog?.take() ?? []) roomForMore = socket.write(block);
  if (!roomForMore) return fallBehind(client);
  socket.resume();
  console.log(`client ${client.id} caught up`);
}

/** Bytes sent to a client that it has not taken yet: Node's queue plus our backlog. */
function queuedBytes(client: Client): number {
  return client.socket.writableLength + (client.backlog?.bytes ?? 0);
}
// #endregion send

// #region publish
/**
 * Fan-out: one write() per subscriber, the line encoded once. Pausing cannot slow
 * updates down, because other clients' pings cause them, so a subscriber that
 * stops reading would grow its queue forever. Past the cap, we let it go.
 */
function publish(update: Reply): void {
  const line = encode(update);
  const bytes = Buffer.byteLength(line);
  for (const subscriber of subscribers) {
    const { socket, id } = subscriber;
    if (socket.destroyed) continue; // dropped a moment ago; 'close' will tidy up
    const queued = queuedBytes(subscriber);
    if (queued + bytes <= maxQueueBytes) write(subscriber, line);
    else {
      // #region dropped-log
      console.log(
        `client ${id} dropped: it stopped reading (${queued} bytes queued, limit ${maxQueueBytes})`,
      );
      // #endregion dropped-log
      socket.destroy();
    }
  }
}
// #endregion publish

// #region listen
// A big backlog: a thousand watchers reconnecting at once all fit in the accept queue.
await orExit(listenOnSocketFile(server, flags.socket, 1024), 'cannot listen: ');
// Read at shutdown: whoever is connected then.
closeOnSignals(server, clients);
console.log(
  `rally daemon listening on ${flags.socket} (count ${count}, queue cap ${maxQueueBytes} bytes per client)`,
);
// #endregion listen
