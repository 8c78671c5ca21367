/**
 * Lesson 07 · a name with no file: lesson 04's ping/pong server, listening on a
 * Linux abstract socket address instead of a socket file.
 *
 * An abstract address starts with a NUL byte. The kernel keeps the name in a
 * table of its own, with no inode in any filesystem: nothing to create, no
 * permissions to set, nothing left behind after a crash. The name disappears the
 * moment the listening socket closes, however the process ended.
 *
 *   ping           → pong
 *   ping <text>    → pong <text>
 *   anything else  → error unknown command "...": try ping
 */
import net from 'node:net';
import { fail, parseCli } from '../common/cli.ts';
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
let connections = 0;

const server = net.createServer((socket) => {
  const who = `client ${++connections}`;
  clients.add(socket);
  console.log(`${who} connected`);
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
  socket.on('error', (error) => console.log(`${who}: ${error.message}`)); // EPIPE, ECONNRESET: its problem
  socket.on('close', () => {
    clients.delete(socket);
    console.log(`${who} disconnected`);
  });
});

// #region listen
/**
 * bind() on an abstract name either gets it or fails with EADDRINUSE. There is
 * no stale-file case to probe for: a name outlives no socket, so if it is taken,
 * a live process holds it right now.
 */
server.once('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    // #region in-use
    fail(
      `another server is already listening on ${shownAs} (EADDRINUSE): stop it first, or choose another --name`,
    );
    // #endregion in-use
  }
  fail(`could not listen on ${shownAs}: ${error.message}`);
});

server.listen(address, () => {
  console.log(
    `ping-pong server listening on ${shownAs} (abstract: no file was created)`,
  );
  console.log(describeKernelName(flags.name, kernelPadding(flags.name)));
});
// #endregion listen

// #region shutdown
/**
 * Ctrl-C or `kill`: close every client, then the listening socket. Closing it is
 * all the cleanup there is: the kernel drops the name with the socket, and there
 * is no file to unlink(). A crash (kill -9) frees the name just the same.
 */
function shutdown(signal: NodeJS.Signals): void {
  console.log(
    `${signal}: closing clients; the name ${shownAs} goes with the socket, no file to remove`,
  );
  for (const client of clients) client.destroy();
  server.close(() => process.exit(0));
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
process.once('SIGHUP', shutdown); // the terminal closed
// #endregion shutdown
