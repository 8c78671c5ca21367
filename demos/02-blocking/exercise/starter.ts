/**
 * Lesson 02, exercise 1: write the blocking server yourself.
 *
 * This file runs and accepts clients, but does not yet behave like the lesson's
 * loop. Fill in the TODOs until `npm run verify -- 02` passes; `npm run hint -- 02`
 * gives one hint at a time. The lesson's own server (demos/02-blocking/server.ts)
 * is the reference answer: peek once yours passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/02-blocking/server.ts, then in two more terminals:
 * npx tsx demos/02-blocking/client.ts --hold --socket <the path it prints>
 * npx tsx demos/02-blocking/client.ts --socket <the path it prints>
 */
import net from 'node:net';
import { on } from 'node:events';
import { orExit, parseCli } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/02-blocking/server.ts',
  summary: 'My blocking server (lesson 02 exercise).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('02'),
      description: 'socket file to listen on',
    },
  },
});

const server = net.createServer();
const clients = new Set<net.Socket>();
server.on('connection', (client) => {
  clients.add(client);
  client.once('close', () => clients.delete(client));
});

await orExit(listenOnSocketFile(server, flags.socket));
closeOnSignals(server, clients);
console.log(`blocking server listening on ${flags.socket}`);

let clientsSoFar = 0;
for await (const [client] of on(server, 'connection') as AsyncIterableIterator<
  [net.Socket]
>) {
  const id = ++clientsSoFar;
  console.log(`client ${id} connected`);
  // TODO: read this client until it hangs up (for await over the socket), printing
  //       each chunk as `client N says: "<text>"`, the text escaped with JSON.stringify.
  // TODO: a client that vanishes (ECONNRESET) must not end the loop: try/catch.
  // TODO: print `client N left`, then the loop's other work: `tick N`.
  client.destroy(); // TODO: remove this line: we hang up on everyone at once
}
