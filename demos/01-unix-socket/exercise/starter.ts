/**
 * Lesson 01, exercise 1: write the server yourself.
 *
 * This file runs and listens, but keeps almost none of the lesson's promises yet.
 * Fill in the TODOs until `npm run verify -- 01` passes; `npm run hint -- 01` gives
 * one hint at a time. The lesson's own server (demos/01-unix-socket/server.ts and
 * socket-file.ts) is the reference answer: peek once yours passes, or when the
 * hints run out.
 *
 * Try it by hand: npx tsx workspace/01-unix-socket/server.ts, then in another
 * terminal: npx tsx demos/01-unix-socket/client.ts --socket <the path it prints>
 */
import net from 'node:net';
import { parseCli } from '../../common/cli.ts';
import { defaultSocketPath, preparePrivateDir } from '../runtime-dir.ts';

const flags = parseCli({
  usage: 'npx tsx workspace/01-unix-socket/server.ts',
  summary: 'My Unix socket server (lesson 01 exercise).',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('01'),
      description: 'the socket file to create',
    },
  },
});
const socketPath = flags.socket;
if (socketPath === defaultSocketPath('01')) preparePrivateDir(); // the 0700 folder

const clients = new Set<net.Socket>();

const server = net.createServer((client) => {
  clients.add(client);
  client.on('close', () => clients.delete(client));
  client.on('error', () => {}); // a client that vanishes is not our crash
  client.on('data', (chunk: Buffer) => {
    // TODO: print the chunk escaped with JSON.stringify, so "ping\n" shows as "ping\n"
    // with the backslash, and no control character ever reaches the terminal.
    void chunk;
  });
});

// TODO: make the socket file srw------- from its first instant (process.umask around listen).
// TODO: if listen fails with EADDRINUSE, knock (connect): refused means a stale file
//       to remove before listening again; accepted means another server is live: print
//       one line containing `already listening` and exit 1, leaving its file alone.
server.listen(socketPath, () => {
  // TODO: print a line containing `listening on <path>`.
  console.log('TODO: print listening on <path> here, with the real path');
});

// TODO: on SIGINT, SIGTERM and SIGHUP: destroy every client, server.close(), exit 0.
