/**
 * Lesson 05, exercise 1: write the many-client server.
 *
 * This file runs, listens and answers one well-behaved client, using lesson 04's
 * line reader and protocol. Fill in the TODOs until `npm run verify -- 05` passes;
 * `npm run hint -- 05` gives one hint at a time. The lesson's own server
 * (demos/05-poll/server.ts) is the reference answer: peek once your version
 * passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/05-poll/server.ts, then in other terminals
 * npx tsx demos/05-poll/client.ts --clients 100 --count 10 --socket <the path it prints>
 */
import net from 'node:net';
import { orExit, parseCli } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';
import { readLines } from '../../04-bidirectional/lines.ts';
import { answer, send } from '../../04-bidirectional/ping-protocol.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/05-poll/server.ts',
  summary: 'My many-client ping/pong server (lesson 05 exercise).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('05'),
      description: 'the socket file to listen on',
    },
    // TODO: a --max-clients N flag (a string flag; parseInteger turns it into a number).
  },
});

// TODO: the registry: a Set of the sockets connected right now, so you can count
// them (--max-clients) and close them all on SIGTERM.
const clients = new Set<net.Socket>();

const server = net.createServer((socket) => {
  // TODO: over the limit? Write one line starting `error server full`, then end().
  console.log('a client connected');
  readLines(socket, (line) => {
    const reply = answer(line);
    if (reply !== undefined) send(socket, reply);
  });
  // TODO: a client that vanishes makes its socket emit 'error' (ECONNRESET, EPIPE).
  // With no listener, that error crashes the whole server.
  // TODO: on 'close', take the socket out of the registry.
});

await orExit(listenOnSocketFile(server, flags.socket));
console.log(`listening on ${flags.socket}`);
closeOnSignals(server, clients);
