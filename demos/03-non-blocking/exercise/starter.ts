/**
 * Lesson 03, exercise 1: write the polling server yourself.
 *
 * This file runs and ticks, but takes nobody's bytes yet. Fill in the TODOs until
 * `npm run verify -- 03` passes; `npm run hint -- 03` gives one hint at a time. The
 * lesson's own server (demos/03-non-blocking/server.ts) is the reference answer:
 * peek once yours passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/03-non-blocking/server.ts, then in other terminals:
 * npx tsx demos/03-non-blocking/client.ts --hold --socket <the path it prints>
 */
import net from 'node:net';
import { setTimeout as nap } from 'node:timers/promises';
import { orExit, parseCli, parseInteger } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/03-non-blocking/server.ts',
  summary: 'My polling server (lesson 03 exercise).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('03'),
      description: 'socket file to listen on',
    },
    interval: {
      type: 'string',
      valueName: 'MS',
      default: '500',
      description: 'milliseconds to nap between passes',
    },
  },
});
const intervalMs = parseInteger(flags.interval, 'interval', 0, 60_000);

/** Accepted by libuv, not yet taken by our loop. */
const acceptQueue: net.Socket[] = [];
/** The clients our loop has taken, and the number it gave each. */
const clients = new Map<net.Socket, number>();
const server = net.createServer((socket) => {
  socket.on('error', () => {}); // a reset shows up as a destroyed socket
  acceptQueue.push(socket);
});
await orExit(listenOnSocketFile(server, flags.socket));
closeOnSignals(server, {
  *[Symbol.iterator]() {
    yield* acceptQueue;
    yield* clients.keys();
  },
});
console.log(`polling server listening on ${flags.socket}`);

let clientsSoFar = 0;
for (let pass = 1; ; pass += 1) {
  const seen: string[] = [];
  // TODO: take every socket waiting in acceptQueue (not just one), give each the next
  //       number in `clients`, and say `client N connected`; or `accept: nothing yet`.
  // TODO: for every client, socket.read(): a Buffer → `client N: "<text>"` (JSON.stringify),
  //       null while readableEnded or destroyed → `client N: left` (forget it),
  //       null otherwise → `client N: nothing yet`.
  void clientsSoFar;
  console.log(`tick ${pass} | ${seen.join(' | ')}`);
  await nap(intervalMs); // TODO: --interval 0 must still yield (setImmediate)
}
