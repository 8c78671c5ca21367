/**
 * Lesson 09 · WHAT NOT TO DO: the naive pair's predictable addresses. Anyone who
 * reads this file (or guesses) knows where the naive server will be.
 */
export const NAIVE = {
  socket: '/tmp/ping-pong-naive.sock',
  name: 'ping-pong-naive',
  port: '7009',
  fifoDir: '/tmp/ping-pong-naive-fifos',
};
