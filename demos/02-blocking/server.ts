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
import { orExit, parseCli } from '../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { quote } from '../01-unix-socket/quote.ts';

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
await orExit(listenOnSocketFile(server, flags.socket));
// on() turns 'connection' events into an async iterator, and queues the ones that
// arrive while we are busy: our stand-in for the kernel's accept queue (backlog).
// Made only now: on() also rethrows the server's 'error' events, so made before
// listen it would rethrow a failed first bind() even after a stale file was fixed.
const connections = on(server, 'connection');
// Signals still get through while the loop below "blocks": underneath, the event
// loop is running all the time. Only our code waits.
closeOnSignals(server, clients);
console.log(`blocking server listening on ${flags.socket}`);
// #endregion setup

// #region loop
let clientsSoFar = 0;
let ticks = 0;
console.log('waiting for a connection (accept)');
for await (const [client] of connections as AsyncIterableIterator<
  [net.Socket]
>) {
  const id = ++clientsSoFar;
  // #region announce
  console.log(
    `client ${id} connected; waiting for its message (recv) — nothing else runs until it leaves`,
  );
  // #endregion announce
  await serveUntilItLeaves(client, id);

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
  id: number,
): Promise<void> {
  try {
    // Each chunk is whatever one read() returned: maybe half a message, maybe two.
    // Lesson 04 turns chunks into lines; here we print them as they come, quoted
    // by quote() (lesson 01) so a client's escape sequences cannot reach the terminal.
    for await (const chunk of client as AsyncIterable<Buffer>) {
      const text = chunk.subarray(0, SHOWN_BYTES).toString('utf8').trim();
      const more =
        chunk.length > SHOWN_BYTES
          ? ` (+${chunk.length - SHOWN_BYTES} more bytes)`
          : '';
      console.log(`client ${id} says: ${quote(text)}${more}`);
    }
    console.log(`client ${id} left`);
  } catch (error) {
    // A reset (the client crashed) ends this client only; the loop goes on.
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    console.log(`client ${id} vanished: ${code}`);
  }
}
// #endregion recv
