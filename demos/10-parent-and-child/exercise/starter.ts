/**
 * Lesson 10, exercise 1: hand each connection to a worker process.
 *
 * This file runs and answers every client itself. Make it fork workers and pass
 * each connected socket to one of them, until `npm run verify -- 10` passes;
 * `npm run hint -- 10` gives one hint at a time. The lesson's own server
 * (demos/10-parent-and-child/server.ts, with worker.ts) is the reference answer.
 *
 * One file plays both parts: a process started by fork() has `process.send`,
 * one started from a terminal does not. So `fork(import.meta.filename)` starts
 * this same file as a worker.
 */
import net from 'node:net';
import { orExit, parseCli } from '../../common/cli.ts';
import {
  closeOnSignals,
  listenOnSocketFile,
} from '../../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../../01-unix-socket/runtime-dir.ts';
import { MAX_LINE_BYTES, readLines } from '../../04-bidirectional/lines.ts';
import { answer, send } from '../../04-bidirectional/ping-protocol.ts';

/** Lesson 04's protocol on one connection, in whichever process holds it. */
function serve(socket: net.Socket): void {
  readLines(
    socket,
    (request) => {
      const reply = answer(request);
      // TODO: sign each pong: `${reply} from worker ${process.pid}`
      if (reply !== undefined) send(socket, reply);
    },
    {
      maxLineBytes: MAX_LINE_BYTES,
      onTooLong: (error) =>
        socket.end(`error ${error.message}\n`, () => socket.destroy()),
    },
  );
  socket.on('error', () => {}); // a client that vanishes is not our crash
}

if (process.send) {
  // A worker. TODO: on 'message' ('client', socket), serve(socket); keep a set of
  // them, and destroy them all on 'disconnect' so nothing outlives the server.
  // TODO: process.send('ready') once the 'message' listener is in place.
} else {
  const flags = parseCli({
    usage: 'npx tsx workspace/10-parent-and-child/server.ts',
    summary:
      'My server that hands connections to workers (lesson 10 exercise).',
    flags: {
      socket: {
        type: 'string',
        valueName: 'PATH',
        default: defaultSocketPath('10'),
        description: 'the socket file to listen on',
      },
    },
  });
  // TODO: fork(import.meta.filename) two workers (or one per core), and wait
  //       until each has said 'ready'.

  const clients = new Set<net.Socket>();
  // TODO: create the server with { pauseOnConnect: true }, and instead of serving
  //       each socket here, worker.send('client', socket) to the next worker in turn.
  const server = net.createServer((socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    serve(socket);
  });

  await orExit(listenOnSocketFile(server, flags.socket));
  console.log(`server ${process.pid} listening on ${flags.socket}`);
  // TODO: in beforeExit, disconnect() every worker.
  closeOnSignals(server, clients);
}
