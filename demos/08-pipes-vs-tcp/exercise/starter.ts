/**
 * Lesson 08, exercise 1: the ping/pong server over a Unix socket, built for
 * pipelining: every pong of one read() goes out in one write().
 *
 * This file runs and listens, but answers nothing yet. Fill in the TODOs until
 * `npm run verify -- 08` passes; `npm run hint -- 08` gives one hint at a time.
 * The lesson's own server (demos/08-pipes-vs-tcp/server.ts, `serve` and
 * `listenOnSocket`) is the reference: peek once yours passes.
 *
 * Try it: npx tsx workspace/08-pipes-vs-tcp/server.ts, then in another terminal
 * npx tsx demos/08-pipes-vs-tcp/client.ts --in-flight 64
 */
import net from 'node:net';
import { orExit, parseCli } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/08-pipes-vs-tcp/server.ts',
  summary: 'My pipelining ping/pong server (lesson 08 exercise).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('08'),
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
    // TODO: split the bytes into lines (keep an unfinished line for the next chunk).
    // TODO: answer every whole line ("ping" → "pong", "ping <text>" → "pong <text>",
    //       else error unknown command "<first 40 characters>": try ping), and send
    //       all the replies to this chunk with ONE socket.write().
    // TODO: a line longer than 65536 bytes: send the replies to the lines before
    //       it, then "error line longer than 65536 bytes", and end the connection.
    void chunk;
  });
});

closeOnSignals(server, clients); // SIGTERM: clients closed, socket file removed, exit 0
await orExit(listenOnSocketFile(server, flags.socket));
console.log(`ping-pong server listening on ${flags.socket}`);
