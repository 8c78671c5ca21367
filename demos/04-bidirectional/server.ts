/**
 * Lesson 04 · request and response: a server that answers every `ping` with `pong`.
 *
 * The protocol is one command per line, so `socat`, `nc -U` or five lines of
 * Python can speak it:
 *
 *   ping           → pong
 *   ping <text>    → pong <text>     (tag your pings to match each pong to its ping)
 *   (empty line)   → nothing
 *   anything else  → error unknown command "...": try ping   (the connection stays)
 *   a line longer than 64 KiB → error line longer than 65536 bytes, then goodbye
 *
 * The socket hands us bytes, not lines: one 'data' event may hold half a ping or
 * three of them. `readLines` (demos/04-bidirectional/lines.ts) puts the lines back together.
 */
import net from 'node:net';
import { orExit, parseCli } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { MAX_LINE_BYTES, readLines } from './lines.ts';
import { answer, send } from './ping-protocol.ts';

const flags = parseCli({
  usage: 'npx tsx demos/04-bidirectional/server.ts',
  summary:
    'Answers every "ping" line with a "pong" line, on a Unix socket, for any number of clients.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('04'),
      description: 'the socket file to listen on',
    },
  },
});

const clients = new Set<net.Socket>();
let clientsSoFar = 0;

// #region connection
const server = net.createServer((socket) => {
  const name = `client ${++clientsSoFar}`;
  clients.add(socket);
  console.log(`${name} connected`);

  readLines(
    socket,
    (request) => {
      const reply = answer(request);
      if (reply !== undefined) send(socket, reply);
    },
    {
      maxLineBytes: MAX_LINE_BYTES,
      // No newline in sight after 64 KiB: this is not our protocol, or it is an
      // attack on our memory. Say why, then hang up on this client only.
      onTooLong: (error) => {
        console.log(`${name}: ${error.message}, closing its connection`);
        socket.end(`error ${error.message}\n`, () => socket.destroy());
      },
    },
  );

  // A client that vanishes mid-reply makes write() fail with EPIPE or ECONNRESET.
  // That is its problem, not the server's: note it and carry on serving the rest.
  socket.on('error', (error) => console.log(`${name}: ${error.message}`));
  socket.on('close', () => {
    clients.delete(socket);
    console.log(`${name} disconnected`);
  });
});
// #endregion connection

await orExit(listenOnSocketFile(server, flags.socket));
closeOnSignals(server, clients);
console.log(
  `ping-pong server listening on ${flags.socket} (lines up to ${MAX_LINE_BYTES} bytes)`,
);
// After listening, an 'error' is a failed accept4() (EMFILE: out of descriptors): log it, keep serving (lesson 01).
server.on('error', (error) => console.error(`server error: ${error.message}`));
