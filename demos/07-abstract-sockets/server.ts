/**
 * Lesson 07 · a name with no file: lesson 04's ping/pong server, listening on a
 * Linux abstract socket address instead of a socket file.
 *
 * An abstract address starts with a NUL byte. The kernel keeps the name in a
 * table of its own, with no inode in any filesystem: nothing to create, no
 * permissions to set, nothing left behind after a crash. The name disappears the
 * moment the listening socket closes, however the process ended. And, with no
 * file, any local user may connect, or take the name first: see lesson 09.
 *
 *   ping           → pong
 *   ping <text>    → pong <text>
 *   anything else  → error unknown command "...": try ping
 */
import net from 'node:net';
import { orExit, parseCli } from '../common/cli.ts';
import { closeOnSignals } from '../01-unix-socket/socket-file.ts';
import { MAX_LINE_BYTES, readLines } from '../04-bidirectional/lines.ts';
import { answer, send } from '../04-bidirectional/ping-protocol.ts';
import {
  DEFAULT_NAME,
  abstractAddressOrExit,
  describeKernelName,
  kernelPadding,
} from './abstract-name.ts';

const flags = parseCli({
  usage: 'npx tsx demos/07-abstract-sockets/server.ts',
  summary:
    'Answers "ping" with "pong" on a Linux abstract socket name: no socket file anywhere.',
  flags: {
    name: {
      type: 'string',
      valueName: 'NAME',
      default: DEFAULT_NAME,
      description: 'the abstract name to listen on (shown as @NAME by ss)',
    },
  },
});

// #region setup
const address = abstractAddressOrExit(flags.name); // Linux only, and at most 107 bytes
const shownAs = `@${flags.name}`; // how ss and /proc/net/unix print the leading NUL
// #endregion setup

const clients = new Set<net.Socket>();
let clientsSoFar = 0;

const server = net.createServer((socket) => {
  const name = `client ${++clientsSoFar}`;
  clients.add(socket);
  console.log(`${name} connected`);
  readLines(
    socket,
    (request) => {
      const reply = answer(request); // lesson 04's protocol and backpressure
      if (reply !== undefined) send(socket, reply);
    },
    {
      maxLineBytes: MAX_LINE_BYTES,
      onTooLong: (error) =>
        socket.end(`error ${error.message}\n`, () => socket.destroy()),
    },
  );
  socket.on('error', (error) => console.log(`${name}: ${error.message}`)); // EPIPE, ECONNRESET: its problem
  socket.on('close', () => {
    clients.delete(socket);
    console.log(`${name} disconnected`);
  });
});

// #region shutdown
/**
 * Ctrl-C or `kill`: close every client, then the listening socket. Closing it is
 * all the cleanup there is: the kernel drops the name with the socket, and there
 * is no file to unlink(). A crash (kill -9) frees the name just the same.
 */
closeOnSignals(server, clients, {
  beforeExit: () => console.log(`${shownAs} goes with the socket: no file`),
});
// #endregion shutdown

// #region listen
/**
 * bind() on an abstract name either gets it or fails with EADDRINUSE. There is
 * no stale-file case to probe for: a name outlives no socket, so if it is taken,
 * a live process holds it right now (one of yours, or anyone else's).
 */
function listenOnAbstractName(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // #region in-use
      const message =
        error.code === 'EADDRINUSE'
          ? `another server is already listening on ${shownAs} (EADDRINUSE): stop it first, or choose another --name`
          : `could not listen on ${shownAs}: ${error.message}`;
      // #endregion in-use
      reject(new Error(message));
    });
    server.listen(address, resolve);
  });
}

await orExit(listenOnAbstractName(server));
console.log(
  `ping-pong server listening on ${shownAs} (abstract: no file was created)`,
);
console.log(describeKernelName(flags.name, kernelPadding(flags.name)));
// #endregion listen
