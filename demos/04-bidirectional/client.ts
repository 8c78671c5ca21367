/**
 * Lesson 04 · request and response: a client that sends `--count` pings, one at a
 * time, waits for each pong, and prints how long each round trip took.
 *
 * Each ping carries its number (`ping 3`), and the server echoes it (`pong 3`),
 * so a pong can never be mistaken for the answer to a different ping.
 */
import { fail, parseCli, parseInteger } from '../common/cli.ts';
import { connectOrExit } from '../01-unix-socket/socket-file.ts';
import { defaultSocketPath } from '../01-unix-socket/runtime-dir.ts';
import { LineQueue } from './lines.ts';

const flags = parseCli({
  usage: 'npx tsx demos/04-bidirectional/client.ts',
  summary:
    'Sends pings to the lesson 04 server one at a time and prints each round-trip time.',
  flags: {
    socket: {
      type: 'string',
      valueName: 'PATH',
      default: defaultSocketPath('04'),
      description: 'the socket file to connect to',
    },
    count: {
      type: 'string',
      valueName: 'N',
      default: '3',
      description: 'how many pings to send',
    },
  },
});
const count = parseInteger(flags.count, 'count', 1, 1_000_000);
const startHint = 'npx tsx demos/04-bidirectional/server.ts';

// #region connect
// Lesson 01: check the socket file is ours, then socket() + connect(); or one line and exit 1.
const socket = await connectOrExit(flags.socket, startHint);
// After connecting, an error (ECONNRESET: the server died) also ends the queue below.
socket.on('error', (error) =>
  console.error(`connection lost: ${error.message}`),
);
const replies = new LineQueue(socket);
// #endregion connect

// #region ping-loop
const roundTrips: number[] = [];
for (let number = 1; number <= count; number++) {
  const sent = process.hrtime.bigint();
  socket.write(`ping ${number}\n`);
  const reply = await replies.next(); // one line, however many reads it took
  if (reply === undefined) {
    // #region closed-early
    fail(
      `the server closed the connection before answering ping ${number} (${number - 1} of ${count} answered)`,
    );
    // #endregion closed-early
  }
  if (reply !== `pong ${number}`)
    fail(`expected "pong ${number}", the server said ${JSON.stringify(reply)}`);
  const milliseconds = Number(process.hrtime.bigint() - sent) / 1e6;
  roundTrips.push(milliseconds);
  console.log(`${reply} in ${milliseconds.toFixed(2)} ms`);
}
// #endregion ping-loop

const total = roundTrips.reduce((sum, value) => sum + value, 0);
// reduce, not Math.min(...roundTrips): spreading 200,000 arguments overflows the stack.
const fastest = roundTrips
  .reduce((smallest, value) => Math.min(smallest, value))
  .toFixed(2);
const slowest = roundTrips
  .reduce((largest, value) => Math.max(largest, value))
  .toFixed(2);
console.log(
  `${count} pings, ${count} pongs: min ${fastest} ms, average ${(total / count).toFixed(2)} ms, max ${slowest} ms`,
);
socket.end(); // shutdown(SHUT_WR): the server reads end-of-file and closes its side too
