/**
 * Lesson 04, exercise 1: write the ping/pong server.
 *
 * This file runs and listens, but answers nothing yet. Fill in the TODOs until
 * `npm run verify -- 04` passes; `npm run hint -- 04` gives one hint at a time.
 * The lesson's own server (demos/04-bidirectional/server.ts) is the reference answer:
 * peek once your version passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/04-bidirectional/server.ts, then in another
 * terminal: socat - UNIX-CONNECT:<the path it prints>, and type ping.
 */
import net from 'node:net';
import { orExit, parseCli } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/04-bidirectional/server.ts',
  summary: 'My ping/pong server (lesson 04 exercise).',
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

const server = net.createServer((socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('error', () => {}); // a client that vanishes is not our crash

  socket.on('data', (chunk: Buffer) => {
    // TODO: a chunk is not a line. Collect bytes until a "\n", then answer each
    //       whole line (and drop a "\r" before the "\n").
    // TODO: answer "ping" with "pong", "ping <text>" with "pong <text>", an empty
    //       line with nothing, anything else with
    //       error unknown command "<first 40 characters>": try ping
    // TODO: more than 65536 bytes without a "\n": reply
    //       error line longer than 65536 bytes, then close this connection.
    void chunk;
  });
});

await orExit(listenOnSocketFile(server, flags.socket));
console.log(`ping-pong server listening on ${flags.socket}`);
closeOnSignals(server, clients);
