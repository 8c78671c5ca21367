/**
 * Lesson 02: a server that does one thing at a time.
 *
 * The loop of a blocking server, written the way C would: accept() a connection,
 * recv() its message, handle it, do the loop's other work (here: print a tick),
 * and go round again. Each step waits until it is done, so while one client is
 * connected and silent, nothing else happens: no ticks, no second client.
 *
 * Node itself never blocks on a socket. We get the same behaviour by awaiting one
 * thing at a time in a loop, which is exactly how a blocking loop reads.
 */
import net from 'node:net';
import { on } from 'node:events';
import { parseCli } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx demos/02-blocking/server.ts',
  summary:
    'A blocking loop: accept one client, read it until it leaves, tick, repeat. One thing at a time.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('02'),
      description: 'socket file to listen on',
    },
  },
});

/** Longest piece of a message we echo to the terminal; the rest is counted, not printed. */
const SHOWN_BYTES = 200;

const server = net.createServer();
/**
 * Every open connection, the one being served and those still queued behind it, so
 * that shutdown can close them all: server.close() waits until the last one is gone.
 */
const clients = new Set<net.Socket>();
server.on('connection', (client) => {
  clients.add(client);
  client.once('close', () => clients.delete(client));
});

// #region setup
// on() turns 'connection' events into an async iterator, and queues the ones that
// arrive while we are busy: our stand-in for the kernel's accept queue (backlog).
const connections = on(server, 'connection');
try {
  await listenOnSocketFile(server, flags.socket);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
// Signals still get through while the loop below "blocks": underneath, the event
// loop is running all the time. Only our code waits.
closeOnSignals(server, clients);
console.log(`blocking server listening on ${flags.socket}`);
// #endregion setup

// #region loop
let clientNumber = 0;
let ticks = 0;
console.log('waiting for a connection (accept)');
for await (const [client] of connections as AsyncIterableIterator<
  [net.Socket]
>) {
  clientNumber += 1;
  // #region announce
  console.log(
    `client ${clientNumber} connected; waiting for its message (recv) — nothing else runs until it leaves`,
  );
  // #endregion announce
  await serveUntilItLeaves(client, clientNumber);

  // The loop's other work: in a game this would draw a frame, in a daemon check timers.
  ticks += 1;
  console.log(`tick ${ticks}: the loop's other work`);
  console.log('waiting for a connection (accept)');
}
// #endregion loop

// #region recv
/** Reads one client until it hangs up, printing what it sent. This is the part that stalls. */
async function serveUntilItLeaves(
  client: net.Socket,
  number: number,
): Promise<void> {
  try {
    // Each chunk is whatever one read() returned: maybe half a message, maybe two.
    // Lesson 04 turns chunks into lines; here we print them as they come.
    for await (const chunk of client as AsyncIterable<Buffer>) {
      const text = chunk.subarray(0, SHOWN_BYTES).toString('utf8').trim();
      const more =
        chunk.length > SHOWN_BYTES
          ? ` (+${chunk.length - SHOWN_BYTES} more bytes)`
          : '';
      console.log(`client ${number} says: ${text}${more}`);
    }
    console.log(`client ${number} left`);
  } catch (error) {
    // A reset (the client crashed) ends this client only; the loop goes on.
    // #region vanished
    console.log(
      `client ${number} vanished: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
    // #endregion vanished
  }
}
// #endregion recv
