/**
 * Lesson 01 · hello, socket: the server.
 *
 * A daemon in miniature. It creates a Unix domain socket file, accepts every client
 * that connects, and prints what each one sends. It never answers: the talk is
 * one-way, like a command-line tool telling a daemon to do something.
 *
 *   npx tsx demos/01-unix-socket/server.ts            (then run client.ts in another terminal)
 */
import net from 'node:net';
import { orExit, parseCli } from '../common/cli.ts';
import { closeOnSignals, listenOnSocketFile } from './socket-file.ts';
import { defaultSocketPath } from './runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx demos/01-unix-socket/server.ts',
  summary:
    'Creates a Unix domain socket and prints whatever each client sends to it.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('01'),
      description: 'the socket file to create',
    },
  },
});
const socketPath = flags.socket;

/** Show at most this much of one chunk, so a client sending megabytes cannot flood the terminal. */
const PREVIEW_BYTES = 80;

// #region accept
/** Every connected client, so that shutdown can close them all. */
const clients = new Set<net.Socket>();
let clientsSoFar = 0;

// createServer() does nothing in the kernel yet. Each 'connection' below is one
// accept4() that libuv made when epoll said the listening socket was readable.
const server = net.createServer((client) => {
  const id = ++clientsSoFar;
  clients.add(client);
  console.log(`client ${id} connected`);
  // #region data
  // One 'data' event is whatever one read() returned: a chunk of bytes, not a
  // message. One short write from one client usually arrives whole, so printing
  // chunks works here by luck. Lesson 04 stops relying on luck.
  client.on('data', (chunk: Buffer) => {
    const shown = JSON.stringify(
      chunk.subarray(0, PREVIEW_BYTES).toString('utf8'),
    );
    const more = chunk.length > PREVIEW_BYTES ? ' …' : '';
    console.log(`client ${id} sent ${chunk.length} bytes: ${shown}${more}`);
  });
  // #endregion data
  // #region leave
  // read() returning 0 (end of file) means the client closed its end: 'end', then
  // 'close'. A client that vanishes mid-write shows up as an 'error' first (ECONNRESET,
  // EPIPE). Either way we forget it, and the server goes on serving everyone else.
  client.on('error', (error) =>
    console.log(`client ${id} failed: ${error.message}`),
  );
  client.on('close', () => {
    clients.delete(client);
    console.log(`client ${id} left`);
  });
  // #endregion leave
});
// #endregion accept

// #region start
// socket(), bind() and listen() happen inside listenOnSocketFile (socket-file.ts):
// it checks the path length and the private folder, makes the file user-only, and
// replaces a stale file but never a live server's. orExit turns a failure into one
// line and exit code 1.
await orExit(listenOnSocketFile(server, socketPath), 'server: ');
closeOnSignals(server, clients);
// From now on an 'error' is a failed accept4() (say, EMFILE: out of file descriptors).
// Without a listener Node would crash the whole daemon over one client it could not take.
server.on('error', (error) => console.error(`server error: ${error.message}`));
console.log(`server listening on ${socketPath} (Ctrl-C to stop)`);
// #endregion start
