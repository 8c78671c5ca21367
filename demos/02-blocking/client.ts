/**
 * Lesson 02's client: connect, (optionally) hold the line in silence, send a
 * message, leave. Holding is how we make the blocking server stall on purpose.
 */
import net from 'node:net';
import { parseCli, fail } from '../common/cli.ts';
import { defaultSocketPath, explainConnectError } from '../common/unix-socket.ts';

const flags = parseCli({
  usage: 'npx tsx demos/02-blocking/client.ts',
  summary: 'Connects to the lesson 02 server and sends one message. With --hold it first stays connected and silent.',
  flags: {
    socket: { type: 'string', valueName: 'PATH', default: defaultSocketPath('02'), description: 'socket file to connect to' },
    message: { type: 'string', valueName: 'TEXT', default: 'ping', description: 'what to send' },
    hold: {
      type: 'boolean',
      description: 'stay connected and silent until you press Enter, stdin closes, or Ctrl-C / SIGTERM; then send and leave',
    },
  },
});

// #region hold
/** Resolves when the user says "go": a line on stdin, the end of stdin, or a signal. */
function waitUntilToldToLeave(): Promise<string> {
  return new Promise((resolve) => {
    const done = (reason: string): void => {
      process.stdin.pause(); // stop reading stdin, or it would keep the process alive
      resolve(reason);
    };
    process.stdin.once('data', () => done('Enter pressed'));
    process.stdin.once('end', () => done('stdin closed'));
    // Leaving on a signal is on purpose, not a failure: send the message and exit 0.
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}
// #endregion hold

const socket = net.connect(flags.socket);
socket.once('error', (error: NodeJS.ErrnoException) => {
  fail(explainConnectError(error, flags.socket, 'npx tsx demos/02-blocking/server.ts'));
});
socket.once('connect', async () => {
  if (flags.hold) {
    console.log('connected; holding the line without a word (press Enter or Ctrl-C to send and leave)');
    const reason = await waitUntilToldToLeave();
    console.log(`${reason}: leaving`);
  }
  // end() hands the message to the kernel, then sends a FIN ("no more from me").
  // Once the kernel has it we are done: whether the server reads it now or in
  // a minute is the server's business. That is why a second client never waits.
  socket.end(`${flags.message}\n`, () => {
    console.log(`sent ${flags.message}`);
    process.exit(0);
  });
});
socket.once('close', () => fail('the server closed the connection before we could send: was it stopped?'));
