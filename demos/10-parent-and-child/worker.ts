/**
 * Lesson 10 · a worker that server.ts forks. It never listens and never accepts:
 * connected sockets arrive over the IPC channel, already open, and it speaks
 * lesson 04's ping protocol on each one, signing every pong with its pid.
 */
import net from 'node:net';
import { MAX_LINE_BYTES, readLines } from '../04-bidirectional/lines.ts';
import { answer, send } from '../04-bidirectional/ping-protocol.ts';

const clients = new Set<net.Socket>();

// #region worker
process.on('message', (message, socket) => {
  // The second argument is the handle the parent passed: recvmsg() got a new fd
  // for the same connection (SCM_RIGHTS), and Node wrapped it in a net.Socket.
  if (message !== 'client' || !(socket instanceof net.Socket)) return;
  clients.add(socket);
  readLines(
    socket,
    (request) => {
      const reply = answer(request);
      if (reply === undefined) return;
      send(
        socket,
        reply.startsWith('pong')
          ? `${reply} from worker ${process.pid}`
          : reply,
      );
    },
    {
      maxLineBytes: MAX_LINE_BYTES,
      onTooLong: (error) =>
        socket.end(`error ${error.message}\n`, () => socket.destroy()),
    },
  );
  socket.on('error', () => {}); // a client that vanished (EPIPE, ECONNRESET) is its own business
  socket.on('close', () => clients.delete(socket));
});

// The parent closed the channel (it is shutting down, or it died): close our
// clients too, so nothing outlives it. Then the event loop is empty and we exit.
process.on('disconnect', () => {
  for (const client of clients) client.destroy();
});
process.send?.('ready');
// #endregion worker
