/**
 * Lesson 05 · the N+1 problem: one process, one thread, many clients at once.
 *
 * A blocking server (lesson 02) serves one client and makes the next one wait.
 * This one never waits on a single client: Node's event loop (libuv) asks the
 * kernel, in one epoll_wait() call, which of all the open sockets are ready, and
 * runs our callbacks for those. All we keep is a registry of who is connected.
 *
 *   npx tsx demos/05-poll/server.ts [--max-clients N] [--backlog N] [--quiet]
 */
import net from 'node:net';
import { orExit, parseCli, parseInteger } from '../common/cli.ts';
import { MAX_LINE_BYTES, readLines } from '../04-bidirectional/lines.ts';
import { answer, send } from '../04-bidirectional/ping-protocol.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx demos/05-poll/server.ts',
  summary:
    'Answers ping with pong for many clients at once, logging each connect and disconnect.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('05'),
      description: 'socket file to listen on',
    },
    'max-clients': {
      type: 'string',
      valueName: 'N',
      default: '10000',
      description: 'refuse connections beyond this many clients',
    },
    backlog: {
      type: 'string',
      valueName: 'N',
      default: '1024',
      description: 'accept queue length passed to listen()',
    },
    quiet: {
      type: 'boolean',
      description:
        'log a summary each time the last client leaves, not every connect',
    },
  },
});
const maxClients = parseInteger(flags['max-clients'], 'max-clients', 1);
const backlog = parseInteger(flags.backlog, 'backlog', 1);

// #region registry
/** The registry: every client connected right now. A poll() server keeps this as its array of descriptors. */
const clients = new Set<net.Socket>();
let clientsSoFar = 0; // a number for the log; the kernel knows a client only as a file descriptor
/** For --quiet: what happened since the server was last empty. */
const sinceIdle = { came: 0, peak: 0, refused: 0 };
let shuttingDown = false; // set on SIGINT/SIGTERM, so the log says why clients go

const plural = (count: number): string =>
  `${count} client${count === 1 ? '' : 's'}`;
const log = (line: string): void => {
  if (!flags.quiet) console.log(line);
};
// #endregion registry

// #region accept
// 'connection' fires once per accept(): libuv saw the listening socket readable
// in epoll_wait(), accepted every queued connection and added each to its epoll set.
const server = net.createServer((socket) => {
  if (clients.size >= maxClients) return refuse(socket);
  const id = ++clientsSoFar;
  clients.add(socket);
  sinceIdle.came += 1;
  sinceIdle.peak = Math.max(sinceIdle.peak, clients.size);
  log(`client ${id} connected (${plural(clients.size)})`);
  serve(socket, id);
});
// #endregion accept

// #region serve
/** One client's whole life: its lines get answers, and every way it can go is noted for the log. */
function serve(socket: net.Socket, id: number): void {
  let leaving = 'end of stream'; // why it goes, unless an error or we say otherwise
  const onLine = (line: string): void => {
    const reply = answer(line); // lesson 04's protocol and backpressure, from demos/04-bidirectional/ping-protocol.ts
    if (reply !== undefined) send(socket, reply);
  };
  readLines(socket, onLine, {
    // #region line-options
    maxLineBytes: MAX_LINE_BYTES,
    onTooLong: (error) => {
      leaving = 'line too long';
      socket.end(`error ${error.message}\n`, () => socket.destroy()); // say why, then hang up
    },
    // #endregion line-options
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    // ECONNRESET: it died with our pongs unread. EPIPE: we wrote after it had gone.
    // Either way only this socket is affected: Node destroys it and 'close' follows.
    leaving = error.code ?? error.message;
  });
  socket.on('close', () =>
    forget(socket, id, shuttingDown ? 'server shutting down' : leaving),
  );
}
// #endregion serve

// #region leave
/** Every way out ends here: end of stream, reset, EPIPE, line too long, shutdown. */
function forget(socket: net.Socket, id: number, reason: string): void {
  clients.delete(socket);
  log(`client ${id} disconnected: ${reason} (${plural(clients.size)})`);
  if (clients.size === 0 && flags.quiet) {
    const { came, peak, refused } = sinceIdle;
    // #region idle-report
    console.log(
      `0 clients: ${came} came and went, at most ${peak} at once, ${refused} refused`,
    );
    // #endregion idle-report
    Object.assign(sinceIdle, { came: 0, peak: 0, refused: 0 });
  }
}
// #endregion leave

// #region refuse
/** Over the limit: say so in one line, then hang up. */
function refuse(socket: net.Socket): void {
  sinceIdle.refused += 1;
  log(`refused a connection: server full (${plural(clients.size)})`);
  socket.on('error', () => {}); // it may already be gone; nothing to clean up
  // Read and drop what it sends until it hangs up too: had we closed at once, its
  // first ping could fail with EPIPE before it read why. Don't wait on a silent one forever.
  socket.resume();
  socket.setTimeout(2000, () => socket.destroy());
  socket.end(`error server full (${plural(maxClients)}): try again later\n`);
}
// #endregion refuse

// #region listen
// The backlog is how many connections the kernel queues for us before accept().
// Node's default is 511; a burst of 1,000 connects can outrun it, and then a Unix
// socket connect() fails at once with EAGAIN. Linux caps it at net.core.somaxconn.
await orExit(
  listenOnSocketFile(server, flags.socket, backlog),
  'cannot listen: ',
);
// Closing every client fires their 'close' events: note that they leave because we stop.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => (shuttingDown = true));
closeOnSignals(server, clients);
// #region ready-line
console.log(
  `05-poll server (pid ${process.pid}) listening on ${flags.socket} (backlog ${backlog}, max ${plural(maxClients)})`,
);
// #endregion ready-line
// #endregion listen
