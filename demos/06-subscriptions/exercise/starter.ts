/**
 * Lesson 06, exercise 1: write the rally daemon.
 *
 * This file runs, listens, and answers ping and get. Fill in the TODOs until
 * `npm run verify -- 06` passes; `npm run hint -- 06` gives one hint at a time.
 * The lesson's own daemon (demos/06-subscriptions/server.ts) is the reference
 * answer: peek once your version passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/06-subscriptions/server.ts, then
 * npx tsx demos/06-subscriptions/watch.ts --socket <the path it prints> in another
 * terminal, and npx tsx demos/06-subscriptions/client.ts --socket <path> in a third.
 */
import net from 'node:net';
import { orExit, parseCli } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';
import { readLines } from '../../04-bidirectional/lines.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/06-subscriptions/server.ts',
  summary: 'My rally daemon (lesson 06 exercise).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('06'),
      description: 'the socket file to listen on',
    },
    // TODO: --max-queue-bytes BYTES (a string flag; parseInteger makes it a number).
  },
});

let count = 0;
const clients = new Set<net.Socket>();
// TODO: a second set, the subscribers.

/** One JSON object per line: JSON never contains a raw newline. */
function send(socket: net.Socket, message: object): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

function handle(socket: net.Socket, line: string): void {
  let request: { type?: unknown } | undefined;
  try {
    request = JSON.parse(line) as { type?: unknown };
  } catch {
    request = undefined; // TODO: answer with an error message instead of silence
  }
  if (request?.type === 'ping') {
    count += 1;
    send(socket, { type: 'pong', count });
    // TODO: tell every subscriber: { type: 'update', count }
  } else if (request?.type === 'get') {
    send(socket, { type: 'count', count });
  }
  // TODO: subscribe (answer { type: 'subscribed', count }), unsubscribe, and an error for the rest.
}

const server = net.createServer((socket) => {
  clients.add(socket);
  readLines(socket, (line) => handle(socket, line));
  socket.on('error', () => {}); // a vanished client: 'close' follows
  socket.on('close', () => clients.delete(socket)); // TODO: and its subscription
});

await orExit(listenOnSocketFile(server, flags.socket));
console.log(`rally daemon listening on ${flags.socket}`);
closeOnSignals(server, clients);
