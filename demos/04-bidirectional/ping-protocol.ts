/**
 * Lesson 04's protocol, kept for every later server that speaks it (05, 07, 08):
 * one request per line, at most one reply line per request.
 *
 *   ping           → pong
 *   ping <text>    → pong <text>     (tag your pings to match each pong to its ping)
 *   (empty line)   → nothing
 *   anything else  → error unknown command "...": try ping   (the connection stays)
 */
import type { Duplex } from 'node:stream';

// #region answer
/** The whole protocol: one request line in, at most one reply line out. */
export function answer(request: string): string | undefined {
  if (request === '') return undefined; // a stray Enter in nc is not worth an error
  if (request === 'ping') return 'pong';
  if (request.startsWith('ping '))
    return `pong ${request.slice('ping '.length)}`;
  // #region unknown-command
  return `error unknown command ${JSON.stringify(request.slice(0, 40))}: try ping`;
  // #endregion unknown-command
}
// #endregion answer

// #region send
/**
 * socket.write() queues the reply and libuv write()s it when the socket can take
 * it. A client that pipelines pings but never reads its pongs would make that
 * queue grow without end, so when it is full we stop reading this client's
 * requests until it drains. (The kernel then holds the unread pings, and its
 * buffer is bounded: the client's own write() blocks. That is backpressure.)
 */
export function send(socket: Duplex, line: string): void {
  const roomForMore = socket.write(`${line}\n`);
  if (!roomForMore && !socket.isPaused()) {
    socket.pause();
    socket.once('drain', () => socket.resume());
  }
}
// #endregion send
