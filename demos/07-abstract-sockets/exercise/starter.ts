/**
 * Lesson 07, exercise 1: write the ping/pong server on an abstract name.
 *
 * This file runs and listens on the name, but answers nothing yet. Fill in the
 * TODOs until `npm run verify -- 07` passes; `npm run hint -- 07` gives one hint
 * at a time. The lesson's own server (demos/07-abstract-sockets/server.ts) is the
 * reference answer: peek once your version passes, or when the hints run out.
 *
 * Try it by hand: npx tsx workspace/07-abstract-sockets/server.ts, then in
 * another terminal: python3 demos/07-abstract-sockets/ping.py ping-pong-07
 */
import net from 'node:net';
import { parseCli } from '../../common/cli.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/07-abstract-sockets/server.ts',
  summary: 'My ping/pong server on an abstract name (lesson 07 exercise).',
  flags: {
    name: {
      type: 'string',
      valueName: 'NAME',
      default: 'ping-pong-07',
      description: 'the abstract name to listen on',
    },
  },
});

const clients = new Set<net.Socket>();

const server = net.createServer((socket) => {
  clients.add(socket);
  socket.on('close', () => clients.delete(socket));
  socket.on('error', () => {}); // a client that vanishes is not our crash
  socket.on('data', (chunk: Buffer) => {
    // TODO: collect bytes until a "\n", then answer each whole line:
    //       "ping" → "pong", "ping <text>" → "pong <text>", anything else →
    //       error unknown command "<first 40 characters>": try ping
    void chunk;
  });
});

server.on('error', (error) => {
  // TODO: EADDRINUSE means a live process holds the name right now: say
  //       "another server is already listening on @NAME" and exit with code 1.
  throw error;
});

// A NUL byte in front makes the address abstract: a name in the kernel, no file.
server.listen(`\0${flags.name}`, () => {
  console.log(`ping-pong server listening on @${flags.name}`);
});

// TODO: on SIGTERM (and SIGINT, SIGHUP): destroy every client in `clients`,
//       close the server, and exit with code 0. The name goes with the socket.
